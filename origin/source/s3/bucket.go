package s3

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/imgorigin/imgorigin/origin/source"
)

// Bucket reads originals from one bucket (under one prefix). It is safe for concurrent use.
type Bucket struct {
	client  *awss3.Client
	bucket  string
	prefix  string
	timeout time.Duration
	max     int64 // -1: no limit
}

// New builds the client. It does not contact the store (credentials from the default chain
// are resolved on first use).
func New(ctx context.Context, cfg Config) (*Bucket, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(cfg.Region),
		awsconfig.WithHTTPClient(newHTTPClient(cfg)),
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = cfg.MaxAttempts
				o.MaxBackoff = cfg.MaxBackoff
				// No client-side retry quota: an outage must not leave the client refusing
				// to retry after the store is back.
				o.RateLimiter = ratelimit.None
			})
		}),
		awsconfig.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		awsconfig.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if cfg.AccessKey != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3: loading sdk config: %w", err)
	}
	client := awss3.NewFromConfig(awsCfg, func(o *awss3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(strings.TrimRight(cfg.Endpoint, "/"))
		}
		o.UsePathStyle = cfg.PathStyle
	})
	max := cfg.MaxObjectSize
	if max == 0 {
		max = -1
	}
	return &Bucket{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix, timeout: cfg.Timeout, max: max}, nil
}

// newHTTPClient returns the client every request goes through: bounded connect, TLS and
// header waits, a keep-alive pool sized for concurrent downloads, and no overall client
// timeout (the operation's context bounds body transfers instead). It is the SDK's buildable
// client so that SDK settings such as AWS_CA_BUNDLE still apply to it.
func newHTTPClient(cfg Config) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) {
			d.Timeout = cfg.ConnectTimeout
			d.KeepAlive = 30 * time.Second
		}).
		WithTransportOptions(func(tr *http.Transport) {
			tr.Proxy = http.ProxyFromEnvironment
			tr.ForceAttemptHTTP2 = true
			tr.MaxIdleConns = cfg.MaxIdleConns
			tr.MaxIdleConnsPerHost = cfg.MaxIdleConns
			tr.IdleConnTimeout = 90 * time.Second
			tr.TLSHandshakeTimeout = cfg.ConnectTimeout
			tr.ResponseHeaderTimeout = cfg.ResponseHeaderTimeout
			tr.ExpectContinueTimeout = time.Second
			tr.DisableCompression = true
		}).
		WithTimeout(0)
}

// Stat implements source.Source with a HeadObject.
func (b *Bucket) Stat(ctx context.Context, key string) (source.Info, error) {
	if err := source.CheckKey(key); err != nil {
		return source.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return source.Info{}, err
	}
	opCtx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	out, err := b.client.HeadObject(opCtx, &awss3.HeadObjectInput{
		Bucket: aws.String(b.bucket),
		Key:    aws.String(b.prefix + key),
	})
	if err != nil {
		return source.Info{}, mapErr(ctx, "stat", key, err)
	}
	info := makeInfo(out.ContentLength, out.ContentType, out.ETag, out.VersionId, out.LastModified)
	if b.max >= 0 && info.Size > b.max {
		return source.Info{}, fmt.Errorf("%w: %q is %d bytes, max_object_size %d", source.ErrTooLarge, key, info.Size, b.max)
	}
	return info, nil
}

// Open implements source.Source with a GetObject. The timeout covers the body transfer too;
// closing the body releases it.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, source.Info, error) {
	if err := source.CheckKey(key); err != nil {
		return nil, source.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, source.Info{}, err
	}
	opCtx, cancel := context.WithTimeout(ctx, b.timeout)
	out, err := b.client.GetObject(opCtx, &awss3.GetObjectInput{
		Bucket: aws.String(b.bucket),
		Key:    aws.String(b.prefix + key),
	})
	if err != nil {
		cancel()
		return nil, source.Info{}, mapErr(ctx, "open", key, err)
	}
	info := makeInfo(out.ContentLength, out.ContentType, out.ETag, out.VersionId, out.LastModified)
	if b.max >= 0 && info.Size > b.max {
		out.Body.Close()
		cancel()
		return nil, source.Info{}, fmt.Errorf("%w: %q is %d bytes, max_object_size %d", source.ErrTooLarge, key, info.Size, b.max)
	}
	return source.StreamBody(ctx, out.Body, b.max, cancel, func(err error) error { return mapErr(ctx, "read", key, err) }), info, nil
}

// Put stores data at prefix+key. For seeding tests and scripts; the origin never writes.
func (b *Bucket) Put(ctx context.Context, key string, data []byte, contentType string) error {
	opCtx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	in := &awss3.PutObjectInput{
		Bucket:        aws.String(b.bucket),
		Key:           aws.String(b.prefix + key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if _, err := b.client.PutObject(opCtx, in); err != nil {
		return mapErr(ctx, "put", key, err)
	}
	return nil
}

// CreateBucket creates the configured bucket; an existing bucket of the same owner is fine.
// For seeding tests and scripts.
func (b *Bucket) CreateBucket(ctx context.Context) error {
	opCtx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	_, err := b.client.CreateBucket(opCtx, &awss3.CreateBucketInput{Bucket: aws.String(b.bucket)})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return mapErr(ctx, "create bucket", b.bucket, err)
	}
	return nil
}

func makeInfo(size *int64, contentType, etag, version *string, lastModified *time.Time) source.Info {
	info := source.Info{
		Size:        aws.ToInt64(size),
		ContentType: aws.ToString(contentType),
		Identity:    identity(aws.ToString(etag), aws.ToString(version), aws.ToInt64(size), aws.ToTime(lastModified)),
	}
	if size == nil {
		info.Size = -1
	}
	if lastModified != nil {
		info.LastModified = lastModified.UTC()
	}
	return info
}

// identity hashes ETag and VersionId (and size, so a truncated store answer cannot alias a
// full one); without either it falls back to size and Last-Modified. Hashing keeps store
// details out of public ETags and gives a fixed, header-safe alphabet.
func identity(etag, version string, size int64, lastModified time.Time) string {
	h := fnv.New128a()
	var n [16]byte
	binary.LittleEndian.PutUint64(n[:], uint64(size))
	if etag == "" && version == "" {
		binary.LittleEndian.PutUint64(n[8:], uint64(lastModified.UnixNano()))
	}
	h.Write(n[:])
	h.Write([]byte(strings.Trim(etag, `"`)))
	h.Write([]byte{0})
	h.Write([]byte(version))
	return "s" + hex.EncodeToString(h.Sum(nil))
}

// body maps read errors to source kinds and releases the operation's context on Close.
var _ source.Source = (*Bucket)(nil)
