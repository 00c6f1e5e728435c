package s3

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/imgorigin/imgorigin/origin/source"
)

// Create implements source.Writer with one PutObject that carries the body's SHA-256
// (x-amz-checksum-sha256, which the store checks against the body it received before it
// stores anything) and If-None-Match: * (so an existing key fails with source.ErrExists and
// is left alone). The store's answer must echo the same checksum; an answer without it, or
// with another, counts as unverified and the object is deleted again. Works with AWS S3,
// MinIO and Aliyun OSS's S3 API (conditional writes and SHA-256 checksums are supported by
// all three).
func (b *Bucket) Create(ctx context.Context, o source.Object) (string, source.Info, error) {
	if o.Key == "" {
		return "", source.Info{}, fmt.Errorf("%w: a bucket needs a key", source.ErrInvalidKey)
	}
	if err := source.CheckKey(o.Key); err != nil {
		return "", source.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return "", source.Info{}, err
	}
	if b.max >= 0 && int64(len(o.Data)) > b.max {
		return "", source.Info{}, fmt.Errorf("%w: %d bytes, max_object_size %d", source.ErrTooLarge, len(o.Data), b.max)
	}
	sum := base64.StdEncoding.EncodeToString(o.SHA256[:])
	in := &awss3.PutObjectInput{
		Bucket:            aws.String(b.bucket),
		Key:               aws.String(b.prefix + o.Key),
		Body:              bytes.NewReader(o.Data),
		ContentLength:     aws.Int64(int64(len(o.Data))),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(sum),
		IfNoneMatch:       aws.String("*"),
	}
	if o.ContentType != "" {
		in.ContentType = aws.String(o.ContentType)
	}
	opCtx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	out, err := b.client.PutObject(opCtx, in)
	if err != nil {
		if status(err) == http.StatusPreconditionFailed {
			return "", source.Info{}, fmt.Errorf("%w: %q", source.ErrExists, o.Key)
		}
		return "", source.Info{}, mapErr(ctx, "put", o.Key, err)
	}
	if got := aws.ToString(out.ChecksumSHA256); got != sum {
		// Stored, but not what was sent (or the store did not say): take it back.
		derr := b.Delete(context.WithoutCancel(ctx), o.Key)
		return "", source.Info{}, fmt.Errorf("%w: s3 put %q: store checksum %q, sent %q (removed again: %v)",
			source.ErrNotVerified, o.Key, got, sum, derr)
	}
	size := int64(len(o.Data))
	return o.Key, makeInfo(&size, in.ContentType, out.ETag, out.VersionId, nil), nil
}

// Delete implements source.Writer: HeadObject (S3's DeleteObject answers 204 for missing
// keys too, so a missing object is told apart first), then DeleteObject.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if _, err := b.Stat(ctx, key); err != nil && !errors.Is(err, source.ErrTooLarge) {
		return err
	}
	opCtx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	_, err := b.client.DeleteObject(opCtx, &awss3.DeleteObjectInput{
		Bucket: aws.String(b.bucket),
		Key:    aws.String(b.prefix + key),
	})
	if err != nil {
		return mapErr(ctx, "delete", key, err)
	}
	return nil
}

// status is the HTTP status of a failed SDK call, 0 when there was no response.
func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

var _ source.ReadWriter = (*Bucket)(nil)
