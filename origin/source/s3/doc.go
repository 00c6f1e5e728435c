// Package s3 is the source that reads originals from an S3-compatible object store through
// aws-sdk-go-v2: AWS S3, Aliyun OSS (through its S3-compatible API) and MinIO. It is the only
// package of the project that imports the AWS SDK.
//
// Stat is a HeadObject and Open a GetObject of prefix+key in the configured bucket. The
// object's ETag and VersionId make Info.Identity; Last-Modified, Content-Type and
// Content-Length are carried to Info. Sizes are enforced while streaming (max_object_size),
// never trusted from Content-Length alone.
//
// # Errors
//
//   - 404 (NoSuchKey, or a HEAD answered 404) → source.ErrNotFound.
//   - 404 NoSuchBucket, 403, other 4xx, 5xx, throttling (503 SlowDown), connection errors,
//     timeouts and exhausted retries → source.ErrUnavailable. 403 is deliberately not a "not
//     found": wrong credentials must not be cached by a CDN as missing images. (On AWS, a
//     missing key answers 403 unless the credentials may s3:ListBucket the bucket; grant it.)
//   - KeyTooLongError → source.ErrInvalidKey; keys are also checked with source.CheckKey.
//   - The caller's context ending → its own error (context.Canceled / DeadlineExceeded).
//
// # Settings
//
//	endpoint                 "" for AWS; otherwise the store's base URL (scheme included)
//	region                   signing region (required)
//	bucket                   bucket name (required)
//	prefix                   prepended to every key as is, e.g. "originals/" ("" by default)
//	path_style               true: {endpoint}/{bucket}/{key}; false: {bucket}.{host}/{key}
//	access_key, secret_key   static credentials; both empty → the SDK default chain
//	                         (AWS_* env, shared config files, web identity, ECS/EC2 roles)
//	session_token            optional, with static credentials
//	connect_timeout          TCP connect and TLS handshake bound (2s)
//	response_header_timeout  bound on waiting for response headers, per attempt (10s)
//	timeout                  whole operation incl. retries and body transfer (30s)
//	max_attempts             attempts per operation incl. the first (3)
//	max_backoff              cap on the jittered backoff between attempts (1s)
//	max_idle_conns           idle keep-alive connections kept to the store (64)
//	max_object_size          larger objects fail with source.ErrTooLarge (64 MiB; 0 = none)
//
// Request and response checksums are computed only when an operation requires them
// (aws-sdk-go-v2's "when_required"): the SDK's newer default of streaming CRC trailers on
// uploads is rejected by several S3-compatible stores, Aliyun OSS among them.
//
// # Aliyun OSS
//
// OSS speaks the S3 API on its S3-compatible endpoints and requires virtual-hosted style:
//
//	endpoint: https://s3.oss-cn-hangzhou.aliyuncs.com   # or https://oss-cn-hangzhou.aliyuncs.com;
//	                                                   # -internal variants from inside Aliyun
//	region: cn-hangzhou                                # the region id without "oss-"
//	bucket: my-images
//	path_style: false
//	access_key: <RAM AccessKey ID>
//	secret_key: <RAM AccessKey secret>
//
// From ECS in the same region use the -internal endpoint (no traffic charge).
//
// # AWS S3
//
//	endpoint: ""            # the SDK resolves https://{bucket}.s3.{region}.amazonaws.com
//	region: eu-west-1
//	bucket: my-images
//	path_style: false
//	# no access_key/secret_key: instance role, IRSA or AWS_* env through the default chain
//
// # MinIO
//
// MinIO answers on one host for every bucket, so it needs path style:
//
//	endpoint: http://127.0.0.1:9000
//	region: us-east-1
//	bucket: images
//	path_style: true
//	access_key: <MINIO_ROOT_USER or a service account>
//	secret_key: <its secret>
//
// Bucket.Put and Bucket.CreateBucket exist for seeding stores in tests and scripts; the origin
// itself only reads.
package s3
