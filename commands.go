package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"schoolcheck/configs"
	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// migrate applies pending migrations and reports the version reached.
func migrate(ctx context.Context, cfg configs.Config, stdout io.Writer) error {
	logger := newLogger(cfg, stdout)
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB(db)
	if err := model.Migrate(ctx, db, logger); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database at schema version %d\n", model.SchemaVersion())
	return nil
}

// opsService opens the database (migrated or refusing if outdated) and a service with no WeChat or storage,
// for the operator commands.
func opsService(ctx context.Context, cfg configs.Config, stdout io.Writer) (*school.Service, func(), error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Embedded() {
		err = model.Migrate(ctx, db, nil)
	} else {
		err = model.CheckSchema(ctx, db)
	}
	if err != nil {
		closeDB(db)
		return nil, nil, err
	}
	return school.New(service.NewCore(db, newLogger(cfg, stdout), nil)), func() { closeDB(db) }, nil
}

func bootstrap(ctx context.Context, cfg configs.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var in school.BootstrapInput
	fs.StringVar(&in.Region, "region", "", "region (district) name")
	fs.StringVar(&in.School, "school", "", "school name")
	fs.StringVar(&in.PrincipalName, "principal-name", "", "principal's name")
	fs.StringVar(&in.PrincipalPhone, "principal-phone", "", "principal's mobile number (they bind WeChat with it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, done, err := opsService(ctx, cfg, io.Discard)
	if err != nil {
		return err
	}
	defer done()
	id, err := svc.Bootstrap(ctx, in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, id)
	return nil
}

func addInspector(ctx context.Context, cfg configs.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspector add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	region := fs.String("region", "", "region (district) name")
	name := fs.String("name", "", "inspector's name")
	phone := fs.String("phone", "", "inspector's mobile number (they bind WeChat with it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, done, err := opsService(ctx, cfg, io.Discard)
	if err != nil {
		return err
	}
	defer done()
	id, err := svc.AddInspector(ctx, *region, *name, *phone)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, id)
	return nil
}

// addRegion creates (or finds) a region under its parent and prints its id.
func addRegion(ctx context.Context, cfg configs.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("region add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "region name (a city or a district)")
	parent := fs.String("parent", "", "the region it belongs to (a district's city); empty for a root")
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, done, err := opsService(ctx, cfg, io.Discard)
	if err != nil {
		return err
	}
	defer done()
	r, err := svc.AddRegion(ctx, *name, *parent)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, r.ID)
	return nil
}

// describe turns a service validation error into one line for the terminal.
func describe(err error) error {
	var se *service.Error
	if errors.As(err, &se) && len(se.Fields) > 0 {
		var parts []string
		for k, v := range se.Fields {
			parts = append(parts, "--"+k+": "+v)
		}
		return fmt.Errorf("%s", strings.Join(parts, "; "))
	}
	return err
}

// healthcheck asks the local server's /healthz (the Dockerfile's HEALTHCHECK; distroless has no curl).
func healthcheck(ctx context.Context, cfg configs.Config) error {
	addr := cfg.HTTP.Addr
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %d", resp.StatusCode)
	}
	return nil
}
