// Command schoolcheck is the backend of the schoolcheck WeChat mini-program. main only wires: it loads the
// configuration, opens the database, the object store and the WeChat client, builds the service and the
// router, and runs the subcommand (serve, migrate, bootstrap, inspector add, region add,
// healthcheck).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // the zone database inside the binary: Asia/Shanghai works in a scratch image too

	"schoolcheck/configs"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "schoolcheck:", err)
		os.Exit(1)
	}
}

const usage = `usage: schoolcheck [--config FILE] [command]

commands:
  serve                 serve the API (default)
  migrate               apply pending database migrations and exit
  bootstrap --region NAME --school NAME --principal-name NAME --principal-phone PHONE
                        create (or find) a region and school and put its principal on the roster
  inspector add --region NAME --name NAME --phone PHONE
                        add an inspector for a region (any region of the tree)
  region add --name NAME [--parent NAME]
                        create (or find) a region under a parent region (a district under its city)
  healthcheck           GET /healthz on the local server (for container health checks)

Configuration: --config FILE or SCHOOLCHECK_CONFIG, then SCHOOLCHECK_* environment variables.`

// run parses the command line and dispatches; it returns instead of exiting so tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("schoolcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", os.Getenv("SCHOOLCHECK_CONFIG"), "YAML configuration file")
	fs.Usage = func() { fmt.Fprintln(stderr, usage) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := configs.Load(*configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	rest := fs.Args()
	cmd := "serve"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, stdout)
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "bootstrap":
		return bootstrap(ctx, cfg, rest, stdout, stderr)
	case "inspector":
		if len(rest) == 0 || rest[0] != "add" {
			return errors.New("usage: schoolcheck inspector add --region NAME --name NAME --phone PHONE")
		}
		return addInspector(ctx, cfg, rest[1:], stdout, stderr)
	case "region":
		if len(rest) == 0 || rest[0] != "add" {
			return errors.New("usage: schoolcheck region add --name NAME [--parent NAME]")
		}
		return addRegion(ctx, cfg, rest[1:], stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, cfg)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}
