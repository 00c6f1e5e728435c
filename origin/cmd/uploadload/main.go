// Command uploadload drives the write path of a running stack at a fixed rate and then checks
// the durability promise: every acknowledged upload is stored byte-exact (its SHA-256 read
// back from the store) and readable through /i/, no upload was acknowledged under two keys,
// and the store holds nothing else under the run's prefix. scripts/upload-load runs it while it
// kills and restarts an origin node.
//
//	uploadload -front http://127.0.0.1:8080 -key-file .run/keys.json -n 1000 -rate 25 \
//	  -s3-endpoint http://127.0.0.1:9000 -s3-bucket images   (credentials in $S3_ACCESS_KEY, $S3_SECRET_KEY)
//
// Each upload is a distinct JPEG, POSTed with its own Idempotency-Key and retried with the
// same key (as a client should) on a connection error or a 5xx, up to -retries times. It
// prints uploads/s, latency percentiles and the checks, and exits 1 when a check fails.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imgorigin/imgorigin/origin/source/s3"
	"github.com/imgorigin/imgorigin/origin/upload"
	"github.com/imgorigin/imgorigin/signer"
)

type outcome struct {
	answers  []upload.Result // every 201 of this upload (the first and any replays)
	attempts int
	statuses []string // status or error of every attempt
	latency  time.Duration
	first    time.Duration // latency of the first attempt that answered
}

func main() {
	front := flag.String("front", "http://127.0.0.1:8080", "base URL of the front nginx")
	keyFile := flag.String("key-file", ".run/keys.json", "signing keys (the app's backend)")
	src := flag.String("source", "s3", "source to upload to (an s3 source: the check lists it)")
	n := flag.Int("n", 1000, "uploads")
	rate := flag.Float64("rate", 25, "uploads started per second")
	retries := flag.Int("retries", 8, "attempts per upload after the first")
	endpoint := flag.String("s3-endpoint", "http://127.0.0.1:9000", "S3 endpoint of the source, for the read-back")
	bucket := flag.String("s3-bucket", "images", "bucket of the source")
	flag.IntVar(&width, "width", 320, "width of the uploaded JPEGs (height is 3/4 of it)")
	flag.Parse()
	if err := run(*front, *keyFile, *src, *n, *rate, *retries, *endpoint, *bucket); err != nil {
		fmt.Fprintln(os.Stderr, "uploadload:", err)
		os.Exit(1)
	}
}

func run(front, keyFile, src string, n int, rate float64, retries int, endpoint, bucketName string) error {
	keys, err := signer.LoadKeyFile(keyFile)
	if err != nil {
		return err
	}
	ring, err := signer.NewRing(keys...)
	if err != nil {
		return err
	}
	runID := time.Now().UTC().Format("20060102T150405")
	prefix := "load/" + runID + "/"
	policy, err := ring.UploadPolicy(signer.UploadPolicy{Source: src, Prefix: prefix, MaxBytes: 16 << 20,
		Formats: []string{"jpeg"}, Expires: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	start := time.Now()
	for i := range n {
		if i > 0 {
			<-tick.C
		}
		wg.Go(func() {
			out[i] = send(client, front+signer.UploadPath(src, ""), policy, fmt.Sprintf("%s-%d", runID, i), photo(i), retries)
		})
	}
	tick.Stop()
	wg.Wait()
	elapsed := time.Since(start)

	// The checks.
	var failures []string
	fail := func(format string, a ...any) { failures = append(failures, fmt.Sprintf(format, a...)) }
	acked := map[string]int{}
	var lat, first []time.Duration
	totalAttempts := 0
	for i, o := range out {
		totalAttempts += o.attempts
		if len(o.answers) == 0 {
			fail("upload %d never acknowledged: %v", i, o.statuses)
			continue
		}
		lat = append(lat, o.latency)
		first = append(first, o.first)
		for _, a := range o.answers[1:] {
			if a.Key != o.answers[0].Key || a.SHA256 != o.answers[0].SHA256 {
				fail("upload %d acknowledged twice: %s and %s", i, o.answers[0].Key, a.Key)
			}
		}
		if j, dup := acked[o.answers[0].Key]; dup {
			fail("uploads %d and %d acknowledged under one key %s", j, i, o.answers[0].Key)
		}
		acked[o.answers[0].Key] = i
	}
	cfg := s3.DefaultConfig()
	cfg.Endpoint, cfg.Bucket, cfg.PathStyle = endpoint, bucketName, true
	cfg.AccessKey, cfg.SecretKey = os.Getenv("S3_ACCESS_KEY"), os.Getenv("S3_SECRET_KEY")
	b, err := s3.New(context.Background(), cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	for i, o := range out {
		if len(o.answers) == 0 {
			continue
		}
		a := o.answers[0]
		data, _, err := readAll(ctx, b, a.Key)
		sum := sha256.Sum256(data)
		switch {
		case err != nil:
			fail("upload %d (%s): read back: %v", i, a.Key, err)
		case hex.EncodeToString(sum[:]) != a.SHA256 || len(data) != a.Bytes:
			fail("upload %d (%s): stored bytes differ from the answer's sha256", i, a.Key)
		}
		if u, ok := a.URLs["thumb"]; ok {
			if err := getImage(client, u); err != nil {
				fail("upload %d (%s): /i/: %v", i, a.Key, err)
			}
		} else {
			fail("upload %d: no thumb URL in the answer", i)
		}
	}
	stored, err := b.List(ctx, prefix)
	if err != nil {
		return err
	}
	for _, k := range stored {
		if _, ok := acked[k]; !ok {
			fail("the store holds %s, which no answer named", k)
		}
	}

	slices.Sort(lat)
	slices.Sort(first)
	fmt.Printf("uploads: %d in %.1f s = %.1f uploads/s acknowledged (target rate %.0f/s), %d attempts\n",
		len(acked), elapsed.Seconds(), float64(len(acked))/elapsed.Seconds(), rate, totalAttempts)
	fmt.Printf("latency to the acknowledgement (retries included): p50 %v  p99 %v  max %v\n", pct(lat, 50), pct(lat, 99), pct(lat, 100))
	fmt.Printf("latency of one answered attempt:                   p50 %v  p99 %v\n", pct(first, 50), pct(first, 99))
	statuses := map[string]int{}
	for _, o := range out {
		for _, s := range o.statuses {
			statuses[s]++
		}
	}
	fmt.Printf("attempt outcomes: %v\n", statuses)
	fmt.Printf("checks: %d acknowledged, %d objects under %s, every one read back byte-exact and served through /i/: %s\n",
		len(acked), len(stored), prefix, map[bool]string{true: "ok", false: "FAILED"}[len(failures) == 0])
	if len(failures) > 0 {
		for _, f := range failures[:min(len(failures), 20)] {
			fmt.Println("  ", f)
		}
		return fmt.Errorf("%d checks failed", len(failures))
	}
	return nil
}

// send uploads one body, retrying with the same Idempotency-Key on connection errors and 5xx.
func send(client *http.Client, target, policy, idem string, body []byte, retries int) outcome {
	var o outcome
	start := time.Now()
	backoff := 100 * time.Millisecond
	for attempt := 0; attempt <= retries; attempt++ {
		o.attempts++
		t0 := time.Now()
		req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		req.Header.Set("X-Upload-Policy", policy)
		req.Header.Set("Idempotency-Key", idem)
		resp, err := client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			o.statuses = append(o.statuses, resp.Status[:3])
			if resp.StatusCode == http.StatusCreated {
				var r upload.Result
				if json.Unmarshal(b, &r) == nil {
					o.answers = append(o.answers, r)
					o.latency, o.first = time.Since(start), time.Since(t0)
					return o
				}
			}
			if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
				return o // a refusal: retrying does not help
			}
		} else {
			o.statuses = append(o.statuses, "conn-error")
		}
		time.Sleep(backoff) // client backoff between retries, not test synchronisation
		backoff = min(2*backoff, 2*time.Second)
	}
	return o
}

func readAll(ctx context.Context, b *s3.Bucket, key string) ([]byte, int64, error) {
	rc, info, err := b.Open(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	return data, info.Size, err
}

func getImage(client *http.Client, u string) error {
	if _, err := url.Parse(u); err != nil {
		return err
	}
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		return fmt.Errorf("status %d, %s", resp.StatusCode, bytes.TrimSpace(b[:min(len(b), 200)]))
	}
	if len(b) == 0 {
		return errors.New("empty image")
	}
	return nil
}

// width is the uploaded images' width (-width).
var width = 320

// photo is the i-th test image: width×(3/4 width), distinct for every i.
func photo(i int) []byte {
	w, h := width, width*3/4
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.RGBA{uint8(x + i), uint8(y + i/256), uint8(i ^ x*y), 255})
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, m, &jpeg.Options{Quality: 80})
	return b.Bytes()
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := (len(d)*p + 99) / 100
	return d[min(max(i-1, 0), len(d)-1)].Round(time.Millisecond)
}
