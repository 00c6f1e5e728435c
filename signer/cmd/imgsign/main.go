// Command imgsign signs and verifies imgorigin URLs and generates keys.
//
//	imgsign sign -key-file keys.json -base https://cdn.example.com -preset thumb -source local -key a/b.jpg -ttl 1h
//	imgsign sign -key-file keys.json -base https://cdn.example.com -w 300 -f webp -source s3 -key a/b.jpg
//	imgsign sign -key-file keys.json -base https://cdn.example.com -batch < requests.jsonl
//	imgsign verify -key-file keys.json 'https://cdn.example.com/i/thumb/local/a/b.jpg?token=…'
//	imgsign keygen -id 2026-02 -state verify-only
//	imgsign policy -key-file keys.json -source s3 -prefix users/42/ -max-bytes 10485760 -formats jpeg,png -ttl 1h
//	imgsign delete -key-file keys.json -base https://img.example.com -source s3 -key users/42/a.jpg
//
// Batch lines are JSON objects {"preset": "thumb"} or {"options": {"w": 300, "f": "webp"}} with
// "source", "key" and optionally "ttl" ("1h"); each writes one URL line (or an error on stderr).
// CDN-native formats (-format aliyun-a, tencent-a, tencent-d) take the CDN console key from the
// environment variable IMGSIGN_CDN_KEY, never from a flag.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  imgsign sign   -key-file F -base URL (-preset NAME | -w N -h N -fit M -g G -dpr X -q N -bg HEX -f FORMAT) -source S -key K [-ttl 1h] [-bucket 15m]
  imgsign sign   -key-file F -base URL -batch   < JSON lines
  imgsign verify -key-file F [-skew 30s] [-max-lifetime D] URL
  imgsign keygen [-id ID] [-state signing|verify-only]
  imgsign policy -key-file F -source S [-key K | -prefix P] [-max-bytes N] [-formats jpeg,png] [-max-pixels N] [-max-frames N] [-sha256 HEX] [-ttl 1h]
  imgsign delete -key-file F -base URL -source S -key K [-ttl 5m]
CDN-native formats: -format aliyun-a|tencent-a|tencent-d[-dec] -cdn-valid-for D, key in $IMGSIGN_CDN_KEY.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	env := os.Getenv
	switch args[0] {
	case "sign":
		return cmdSign(args[1:], env, stdin, stdout, stderr)
	case "verify":
		return cmdVerify(args[1:], env, stdout, stderr)
	case "keygen":
		return cmdKeygen(args[1:], stdout, stderr)
	case "policy":
		return cmdPolicy(args[1:], stdout, stderr)
	case "delete":
		return cmdDelete(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "imgsign: unknown command %q\n%s", args[0], usage)
	return 2
}

// common are the flags of sign and verify.
type common struct {
	keyFile     string
	format      string
	param       string
	cdnValidFor time.Duration
	now         int64
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.keyFile, "key-file", "", "JSON key file (native format)")
	fs.StringVar(&c.format, "format", "native", "token format: native, aliyun-a, tencent-a, tencent-d, tencent-d-dec")
	fs.StringVar(&c.param, "param", "", "query parameter of the token (default: the format's own)")
	fs.DurationVar(&c.cdnValidFor, "cdn-valid-for", 30*time.Minute, "the CDN console's validity period (CDN formats)")
	fs.Int64Var(&c.now, "now", 0, "unix time to use instead of the clock (reproducible output)")
}

func (c *common) clock() func() time.Time {
	if c.now != 0 {
		t := time.Unix(c.now, 0)
		return func() time.Time { return t }
	}
	return time.Now
}

func (c *common) ring() (*signer.Ring, error) {
	if c.keyFile == "" {
		return nil, errors.New("-key-file is required")
	}
	keys, err := signer.LoadKeyFile(c.keyFile)
	if err != nil {
		return nil, err
	}
	return signer.NewRing(keys...)
}

func (c *common) cdnKey(env func(string) string) (string, error) {
	k := env("IMGSIGN_CDN_KEY")
	if k == "" {
		return "", fmt.Errorf("-format %s needs the CDN key in $IMGSIGN_CDN_KEY", c.format)
	}
	return k, nil
}

func (c *common) tokener(env func(string) string) (signer.Tokener, error) {
	if c.format == "native" {
		r, err := c.ring()
		if err != nil {
			return nil, err
		}
		return signer.Native{Ring: r, Param: c.param}, nil
	}
	key, err := c.cdnKey(env)
	if err != nil {
		return nil, err
	}
	var t interface {
		signer.Tokener
		Validate() error
	}
	switch c.format {
	case "aliyun-a":
		t = signer.AliyunA{Key: key, ValidFor: c.cdnValidFor, Param: c.param}
	case "tencent-a":
		t = signer.TencentA{Key: key, ValidFor: c.cdnValidFor, Param: c.param}
	case "tencent-d", "tencent-d-dec":
		t = signer.TencentD{Key: key, ValidFor: c.cdnValidFor, Param: c.param, Decimal: c.format == "tencent-d-dec"}
	default:
		return nil, fmt.Errorf("-format: unknown %q", c.format)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("-format %s: %w", c.format, err)
	}
	return t, nil
}

// request is one batch line, and what the sign flags fill in.
type request struct {
	Info    bool     `json:"info,omitempty"` // an info URL: /info/{source}/{key}
	Preset  string   `json:"preset,omitempty"`
	Options *options `json:"options,omitempty"`
	Source  string   `json:"source"`
	Key     string   `json:"key"`
	TTL     string   `json:"ttl,omitempty"`
}

// options has the short names of the JS and Python signers (and of the URL grammar).
type options struct {
	C    []int     `json:"c,omitempty"` // crop region x, y, width, height
	Rot  int       `json:"rot,omitempty"`
	Flip string    `json:"flip,omitempty"`
	W    int       `json:"w,omitempty"`
	H    int       `json:"h,omitempty"`
	Fit  string    `json:"fit,omitempty"`
	G    string    `json:"g,omitempty"`
	FP   []float64 `json:"fp,omitempty"` // with g "fp": x, y in 0..1
	DPR  float64   `json:"dpr,omitempty"`
	Blur float64   `json:"blur,omitempty"`
	Sh   float64   `json:"sh,omitempty"`
	WM   string    `json:"wm,omitempty"`
	TM   string    `json:"tm,omitempty"`
	Q    int       `json:"q,omitempty"`
	BG   string    `json:"bg,omitempty"`
	F    string    `json:"f"`
}

func (o options) empty() bool {
	return len(o.C) == 0 && len(o.FP) == 0 && o.Rot == 0 && o.Flip == "" && o.W == 0 && o.H == 0 && o.Fit == "" && o.G == "" &&
		o.DPR == 0 && o.Blur == 0 && o.Sh == 0 && o.WM == "" && o.TM == "" && o.Q == 0 && o.BG == "" && o.F == ""
}

func (r request) path() (imgurl.Path, error) {
	p := imgurl.Path{Source: r.Source, Key: r.Key, Variant: imgurl.Variant{Preset: r.Preset}}
	if o := r.Options; o != nil {
		if r.Preset != "" {
			return p, errors.New("preset and options are exclusive")
		}
		p.Variant.Options = imgurl.Options{Width: o.W, Height: o.H, Fit: imgurl.Fit(o.Fit), Gravity: imgurl.Gravity(o.G),
			DPR: o.DPR, Quality: o.Q, Background: o.BG, Format: imgurl.Format(o.F),
			Rotate: o.Rot, Flip: imgurl.Flip(o.Flip), Blur: o.Blur, Sharpen: o.Sh, Watermark: o.WM, Text: o.TM}
		switch len(o.C) {
		case 0:
		case 4:
			p.Variant.Options.Crop = imgurl.Region{X: o.C[0], Y: o.C[1], W: o.C[2], H: o.C[3]}
		default:
			return p, errors.New("c: x, y, width, height")
		}
		switch len(o.FP) {
		case 0:
		case 2:
			p.Variant.Options.FocusX, p.Variant.Options.FocusY = o.FP[0], o.FP[1]
		default:
			return p, errors.New("fp: x, y")
		}
	}
	return p, nil
}

// url signs r's path: an image URL, or an info URL.
func (r request) url(s signer.URLSigner, ttl time.Duration) (string, error) {
	if r.Info {
		if r.Preset != "" || r.Options != nil {
			return "", errors.New("an info URL has no variant")
		}
		return s.InfoURL(imgurl.InfoPath{Source: r.Source, Key: r.Key}, ttl)
	}
	p, err := r.path()
	if err != nil {
		return "", err
	}
	return s.URL(p, ttl)
}

// numbers parses a comma-separated list of n numbers (a flag's value).
func numbers[T int | float64](name, v string, n int, parse func(string) (T, error)) ([]T, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("-%s: %d comma-separated numbers", name, n)
	}
	out := make([]T, n)
	for i, p := range parts {
		x, err := parse(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("-%s: %q is not a number", name, p)
		}
		out[i] = x
	}
	return out, nil
}

func cmdSign(args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("imgsign sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	base := fs.String("base", "", "CDN base URL, scheme://host[:port]")
	ttl := fs.Duration("ttl", time.Hour, "lifetime of the URL (rounded up to -bucket)")
	bucket := fs.Duration("bucket", 15*time.Minute, "expiry bucket")
	batch := fs.Bool("batch", false, "read JSON lines on stdin, write one URL per line")
	var req request
	var o options
	fs.StringVar(&req.Preset, "preset", "", "preset name")
	fs.StringVar(&req.Source, "source", "", "source name")
	fs.StringVar(&req.Key, "key", "", "object key (unescaped)")
	fs.BoolVar(&req.Info, "info", false, "sign the info URL /info/{source}/{key} (JSON about the original) instead")
	crop := fs.String("c", "", "crop region of the upright original: x,y,width,height")
	fs.IntVar(&o.Rot, "rot", 0, "rotate clockwise: 90, 180 or 270")
	fs.StringVar(&o.Flip, "flip", "", "h: mirror left to right (a vertical mirror is -rot 180 -flip h)")
	focus := fs.String("fp", "", "focal point x,y in 0..1 (with -g fp)")
	fs.Float64Var(&o.Blur, "blur", 0, "Gaussian blur sigma")
	fs.Float64Var(&o.Sh, "sh", 0, "sharpen sigma")
	fs.StringVar(&o.WM, "wm", "", "image watermark name (render.watermarks.images)")
	fs.StringVar(&o.TM, "tm", "", "text watermark name (render.watermarks.texts)")
	fs.IntVar(&o.W, "w", 0, "width")
	fs.IntVar(&o.H, "h", 0, "height")
	fs.StringVar(&o.Fit, "fit", "", "fit: contain, fill, inside, pad (cover is the default)")
	fs.StringVar(&o.G, "g", "", "gravity: n ne e se s sw w nw smart fp (centre is the default)")
	fs.Float64Var(&o.DPR, "dpr", 0, "device pixel ratio")
	fs.IntVar(&o.Q, "q", 0, "quality 1..100")
	fs.StringVar(&o.BG, "bg", "", "pad colour rrggbb[aa] (fit pad), or the colour alpha is flattened onto (f jpeg)")
	fs.StringVar(&o.F, "f", "", "output format: jpeg png webp avif gif, or auto (the origin picks per browser)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "imgsign sign: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	tok, err := c.tokener(env)
	if err != nil {
		fmt.Fprintln(stderr, "imgsign sign:", err)
		return 1
	}
	if *ttl <= 0 {
		fmt.Fprintln(stderr, "imgsign sign: -ttl must be positive")
		return 2
	}
	s := signer.URLSigner{Base: *base, Tokens: tok, Bucket: *bucket, Now: c.clock()}
	if !*batch {
		var err error
		if o.C, err = numbers("c", *crop, 4, strconv.Atoi); err == nil {
			o.FP, err = numbers("fp", *focus, 2, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
		}
		if err != nil {
			fmt.Fprintln(stderr, "imgsign sign:", err)
			return 2
		}
		if !o.empty() {
			if o.DPR == 1 {
				o.DPR = 0
			}
			req.Options = &o
		}
		u, err := req.url(s, *ttl)
		if err == nil {
			fmt.Fprintln(stdout, u)
			return 0
		}
		fmt.Fprintln(stderr, "imgsign sign:", err)
		return 1
	}
	return signBatch(s, *ttl, stdin, stdout, stderr)
}

func signBatch(s signer.URLSigner, defTTL time.Duration, stdin io.Reader, stdout, stderr io.Writer) int {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	status, line := 0, 0
	fail := func(err error) {
		fmt.Fprintf(stderr, "imgsign sign: line %d: %v\n", line, err)
		fmt.Fprintln(w) // keep output lines aligned with input lines
		status = 1
	}
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var req request
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			fail(err)
			continue
		}
		ttl := defTTL
		if req.TTL != "" {
			d, err := time.ParseDuration(req.TTL)
			if err != nil || d <= 0 {
				fail(fmt.Errorf("ttl: %q is not a positive duration", req.TTL))
				continue
			}
			ttl = d
		}
		u, err := req.url(s, ttl)
		if err != nil {
			fail(err)
			continue
		}
		fmt.Fprintln(w, u)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(stderr, "imgsign sign: reading stdin:", err)
		return 1
	}
	return status
}

func cmdVerify(args []string, env func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("imgsign verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	skew := fs.Duration("skew", 30*time.Second, "clock skew allowed")
	life := fs.Duration("max-lifetime", 0, "refuse expiries further ahead than this (0: no limit)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "imgsign verify: exactly one URL expected")
		return 2
	}
	refuse := func(format string, a ...any) int {
		fmt.Fprintf(stdout, "refused: "+format+"\n", a...)
		return 1
	}
	u, err := url.Parse(fs.Arg(0))
	if err != nil {
		return refuse("not a URL: %v", err)
	}
	path := u.EscapedPath()
	if _, err := imgurl.Parse(path, imgurl.DefaultLimits()); err != nil {
		return refuse("%v", err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return refuse("malformed query: %v", err)
	}
	one := func(name string) (string, bool) {
		v := q[name]
		return strings.Join(v, ""), len(v) == 1
	}
	now := c.clock()()
	format := c.format
	if format == "native" && c.param == "" { // guess from the query
		switch {
		case q.Has("auth_key"):
			format = "aliyun-a"
		case q.Has("sign") && q.Has("t"):
			format = "tencent-d"
		case q.Has("sign"):
			format = "tencent-a"
		}
		c.format = format
	}
	var exp int64
	switch format {
	case "native":
		ring, err := c.ring()
		if err != nil {
			fmt.Fprintln(stderr, "imgsign verify:", err)
			return 1
		}
		param := c.param
		if param == "" {
			param = signer.DefaultParam
		}
		tok, ok := one(param)
		if !ok {
			return refuse("missing token: exactly one %q query parameter expected", param)
		}
		v, err := signer.NewVerifier(ring, signer.VerifierOptions{Skew: *skew, MaxLifetime: *life, Now: func() time.Time { return now }})
		if err != nil {
			fmt.Fprintln(stderr, "imgsign verify:", err)
			return 1
		}
		if exp, err = v.VerifyExp("GET", path, tok); err != nil {
			return refuse("%v%s", err, expiryNote(err, exp, now))
		}
	default:
		key, err := c.cdnKey(env)
		if err != nil {
			fmt.Fprintln(stderr, "imgsign verify:", err)
			return 1
		}
		vf := c.cdnValidFor
		switch format {
		case "aliyun-a", "tencent-a":
			a := signer.AliyunA{Key: key, ValidFor: vf, Param: c.param}
			name := a.ParamName()
			if format == "tencent-a" {
				name = signer.TencentA{Param: c.param}.ParamName()
			}
			val, ok := one(name)
			if !ok {
				return refuse("missing token: exactly one %q query parameter expected", name)
			}
			exp, err = a.VerifyExp(path, val, now, *skew) // type A hashes are the same for both CDNs
			if err != nil {
				return refuse("%v%s", err, expiryNote(err, exp, now))
			}
		case "tencent-d", "tencent-d-dec":
			d := signer.TencentD{Key: key, ValidFor: vf, Param: c.param, Decimal: format == "tencent-d-dec"}
			sp, tp := d.ParamNames()
			sign, ok1 := one(sp)
			ts, ok2 := one(tp)
			if !ok1 || !ok2 {
				return refuse("missing token: exactly one %q and one %q query parameter expected", sp, tp)
			}
			if exp, err = d.VerifyExp(path, sign, ts, now, *skew); err != nil {
				return refuse("%v%s", err, expiryNote(err, exp, now))
			}
		default:
			fmt.Fprintf(stderr, "imgsign verify: -format: unknown %q\n", format)
			return 2
		}
	}
	fmt.Fprintf(stdout, "ok: %s token valid until %s (%s from now)\n", format, time.Unix(exp, 0).UTC().Format(time.RFC3339),
		time.Unix(exp, 0).Sub(now).Round(time.Second))
	return 0
}

func expiryNote(err error, exp int64, now time.Time) string {
	if errors.Is(err, signer.ErrExpired) && exp > 0 {
		return fmt.Sprintf(" at %s, %s ago", time.Unix(exp, 0).UTC().Format(time.RFC3339), now.Sub(time.Unix(exp, 0)).Round(time.Second))
	}
	return ""
}

func cmdKeygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("imgsign keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", time.Now().UTC().Format("2006-01-02"), "key id, [A-Za-z0-9_-]{1,32}")
	state := fs.String("state", string(signer.VerifyOnly), "signing or verify-only (add new keys verify-only first, see ROTATION.md)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	k, err := signer.NewKey(*id, signer.State(*state))
	if err == nil && k.State == signer.Retired {
		err = errors.New("state: a new key is signing or verify-only")
	}
	if err != nil {
		fmt.Fprintln(stderr, "imgsign keygen:", err)
		return 1
	}
	b, err := json.Marshal(k.Entry())
	if err != nil {
		fmt.Fprintln(stderr, "imgsign keygen:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", b)
	return 0
}
