package s3_test

import (
	"context"
	"fmt"
	"log"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/s3"
)

// Reading an original from Aliyun OSS through its S3-compatible API.
func ExampleNew_aliyunOSS() {
	cfg := s3.DefaultConfig()
	cfg.Endpoint = "https://s3.oss-cn-hangzhou.aliyuncs.com"
	cfg.Region = "cn-hangzhou"
	cfg.Bucket = "my-images"
	cfg.PathStyle = false // OSS requires virtual-hosted style
	cfg.AccessKey, cfg.SecretKey = "<RAM AccessKey ID>", "<RAM AccessKey secret>"

	ctx := context.Background()
	bucket, err := s3.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	data, info, err := source.ReadAll(ctx, bucket, "photos/cat.jpg", cfg.MaxObjectSize)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(data), info.Identity)
}
