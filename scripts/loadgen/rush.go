package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"time"
)

// result is one side of the comparison.
type result struct {
	latencies []time.Duration // of successful punches
	statuses  map[int]int     // HTTP status (or -1 for a transport or SQL error) → count
	elapsed   time.Duration
	firstErr  error
}

func (r *result) ok() int { return len(r.latencies) }

func (r *result) rate() float64 { return float64(r.ok()) / r.elapsed.Seconds() }

// quantile of the successful punches' latencies.
func (r *result) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	l := slices.Clone(r.latencies)
	slices.Sort(l)
	return l[min(len(l)-1, int(q*float64(len(l))))]
}

// rush fires the punches at the server: one "in" per teacher in random order (the morning rush), then,
// if more requests were asked for, "out"s round after round. Each punch is a fresh POST over a pool of
// keep-alive connections, as many as the concurrency.
func rush(ctx context.Context, base string, staff []member, c config) (*result, error) {
	order := rand.Perm(len(staff))
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: c.concurrency, MaxIdleConnsPerHost: c.concurrency, IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	url := base + "/api/v1/attendance/punches"
	in := fmt.Sprintf(`{"kind":"in","lat":%f,"lng":%f,"accuracy_m":25}`, fenceLat+0.0005, fenceLng)
	out := fmt.Sprintf(`{"kind":"out","lat":%f,"lng":%f,"accuracy_m":25}`, fenceLat, fenceLng+0.0003)
	return drive(ctx, c, func(ctx context.Context, i int) (int, error) {
		m := staff[order[i%len(staff)]]
		body := in
		if i >= len(staff) {
			body = out
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(body)))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+m.token)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode, nil
	})
}

// ceilings are what the rush is compared with: (a) the punch's statements through database/sql, (b) its
// INSERT alone, (c) a bare gin router over the same HTTP client.
type ceilings struct{ sql, insert, router *result }

// header and row print a table of results.
func header() {
	fmt.Printf("%-44s %9s %10s %9s %9s %9s %9s  %s\n", "", "requests", "per second", "p50", "p95", "p99", "max", "other outcomes")
}

func row(name string, r *result) {
	fmt.Printf("%-44s %9d %10.1f %9s %9s %9s %9s  %s\n", name, r.ok(), r.rate(), ms(r.quantile(0.50)),
		ms(r.quantile(0.95)), ms(r.quantile(0.99)), ms(r.quantile(1)), others(r))
	if r.firstErr != nil {
		fmt.Println("    first error:", r.firstErr)
	}
}

// printResults prints the API and the ceilings side by side, with the ratios.
func printResults(c config, api *result, cl ceilings) {
	fmt.Printf("\nmorning rush: %d punches asked, concurrency %d, database pool %d\n\n", c.requests, c.concurrency, c.pool)
	header()
	row("API  POST /attendance/punches", api)
	if cl.sql != nil {
		row("(a)  the punch's statements, database/sql", cl.sql)
		row("(b)  its INSERT alone, database/sql", cl.insert)
	} else {
		fmt.Println("(no SQL ceilings: they run against MariaDB only)")
	}
	row("(c)  bare gin router, empty handler", cl.router)
	fmt.Println()
	for _, x := range []struct {
		name string
		r    *result
	}{{"(a)", cl.sql}, {"(b)", cl.insert}, {"(c)", cl.router}} {
		if x.r != nil && x.r.rate() > 0 {
			fmt.Printf("the API reaches %.0f%% of ceiling %s\n", 100*api.rate()/x.r.rate(), x.name)
		}
	}
	need := float64(c.schools*c.staff) / (15 * 60)
	fmt.Printf("\nfor scale: %d staff signing in evenly over 15 minutes is %.1f punches/s; a city of 60,000 is %.0f/s\n",
		c.schools*c.staff, need, 60000.0/(15*60))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func others(r *result) string {
	var keys []int
	for k := range r.statuses {
		if k/100 != 2 {
			keys = append(keys, k)
		}
	}
	sort.Ints(keys)
	s := ""
	for _, k := range keys {
		name := fmt.Sprint(k)
		if k == -1 {
			name = "error"
		}
		s += fmt.Sprintf("%s×%d ", name, r.statuses[k])
	}
	if s == "" {
		return "none"
	}
	return s
}
