package health

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/imgorigin/imgorigin/origin/pool"
)

// Config is front.health_check.
type Config struct {
	// Enabled turns the checks on in `origin render-nginx --watch`.
	Enabled  bool          `mapstructure:"enabled"`
	Interval time.Duration `mapstructure:"interval"` // one round of probes every Interval
	Timeout  time.Duration `mapstructure:"timeout"`  // a probe without a 200 within Timeout failed
	Fails    int           `mapstructure:"fails"`    // consecutive failed probes that make a node down
	Passes   int           `mapstructure:"passes"`   // consecutive good probes that bring it back
	// Path is probed on each node's internal listener.
	Path string `mapstructure:"path"`
}

// DefaultConfig returns the defaults: on, 1 s rounds, 1 s timeout, down after 2 failures, up
// after 2 passes, /readyz.
func DefaultConfig() Config {
	return Config{Enabled: true, Interval: time.Second, Timeout: time.Second, Fails: 2, Passes: 2, Path: "/readyz"}
}

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if c.Interval < 10*time.Millisecond || c.Interval > time.Minute {
		errs = append(errs, errors.New("health_check.interval: must be 10ms..1m"))
	}
	if c.Timeout < time.Millisecond || c.Timeout > c.Interval {
		errs = append(errs, errors.New("health_check.timeout: must be 1ms..interval"))
	}
	if c.Fails < 1 || c.Fails > 100 {
		errs = append(errs, errors.New("health_check.fails: must be 1..100"))
	}
	if c.Passes < 1 || c.Passes > 100 {
		errs = append(errs, errors.New("health_check.passes: must be 1..100"))
	}
	if len(c.Path) < 1 || c.Path[0] != '/' {
		errs = append(errs, errors.New("health_check.path: must start with /"))
	}
	return errors.Join(errs...)
}

// Checker probes targets. It is used by one Run at a time.
type Checker struct {
	cfg    Config
	client *http.Client
}

// New returns a Checker.
func New(cfg Config) (*Checker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Checker{cfg: cfg, client: &http.Client{
		Timeout: cfg.Timeout,
		// One connection per probe: a kept-alive connection to a node that hung would be no
		// worse, but a fresh one also checks that it still accepts.
		Transport: &http.Transport{DisableKeepAlives: true},
	}}, nil
}

type state struct {
	down         bool
	fails, holds int // consecutive failed / good probes
}

// Run probes the nodes targets returns (asked again every round, so the pool may change)
// until ctx is done, and calls changed with the sorted names of the down nodes whenever that
// set changes. changed runs on Run's goroutine; a slow callback delays the next round.
func (c *Checker) Run(ctx context.Context, targets func() []pool.Member, changed func(down []string)) {
	states := map[string]*state{}
	var last []string
	tick := time.NewTicker(c.cfg.Interval)
	defer tick.Stop()
	for {
		ts := targets()
		ok := c.round(ctx, ts)
		if ctx.Err() != nil {
			return
		}
		var down []string
		seen := map[string]*state{}
		for i, t := range ts {
			s := states[t.Name]
			if s == nil {
				s = &state{}
			}
			seen[t.Name] = s
			if ok[i] {
				s.fails, s.holds = 0, s.holds+1
				if s.down && s.holds >= c.cfg.Passes {
					s.down = false
				}
			} else {
				s.holds, s.fails = 0, s.fails+1
				if !s.down && s.fails >= c.cfg.Fails {
					s.down = true
				}
			}
			if s.down {
				down = append(down, t.Name)
			}
		}
		states = seen // nodes that left the pool are forgotten
		slices.Sort(down)
		if !slices.Equal(down, last) {
			changed(slices.Clone(down))
			last = down
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// round probes every target at once and returns which answered 200 within the timeout.
func (c *Checker) round(ctx context.Context, ts []pool.Member) []bool {
	ok := make([]bool, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok[i] = c.probe(ctx, t)
		}()
	}
	wg.Wait()
	return ok
}

func (c *Checker) probe(ctx context.Context, t pool.Member) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+t.Internal+c.cfg.Path, nil)
	if err != nil {
		return false
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
