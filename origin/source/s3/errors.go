package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/imgorigin/imgorigin/origin/source"
)

// mapErr turns an SDK error into a source error kind. ctx is the caller's context: when it
// has ended, its error wins, so a client going away is not reported as a store outage.
func mapErr(ctx context.Context, op, key string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("s3 %s %q: %w", op, key, cerr)
	}
	var (
		noKey  *types.NoSuchKey
		nf     *types.NotFound
		api    smithy.APIError
		status int
	)
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	code := ""
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	switch {
	case code == "NoSuchBucket":
		return fmt.Errorf("%w: s3 %s %q: bucket missing: %v", source.ErrUnavailable, op, key, err)
	case errors.As(err, &noKey), errors.As(err, &nf), status == http.StatusNotFound:
		return fmt.Errorf("%w: s3 %s %q", source.ErrNotFound, op, key)
	case code == "KeyTooLongError":
		return fmt.Errorf("%w: s3 %s %q: %v", source.ErrInvalidKey, op, key, err)
	case status == http.StatusForbidden:
		return fmt.Errorf("%w: s3 %s %q: access denied (check credentials; on AWS grant s3:ListBucket so missing keys answer 404): %v",
			source.ErrUnavailable, op, key, err)
	}
	return fmt.Errorf("%w: s3 %s %q: %v", source.ErrUnavailable, op, key, err)
}
