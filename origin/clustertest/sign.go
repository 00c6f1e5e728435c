package clustertest

import (
	"time"

	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Path returns the canonical escaped path of p, failing t when p is not valid.
func Path(t TB, p imgurl.Path) string {
	t.Helper()
	s, err := imgurl.Build(p, imgurl.DefaultLimits())
	if err != nil {
		t.Fatalf("clustertest: %v", err)
	}
	return s
}

// Token returns the origin's authorization query ("token=k1.{exp}.{mac}") for an escaped
// path, valid until exp.
func (c *Cluster) Token(t TB, escapedPath string, exp time.Time) string {
	t.Helper()
	q, err := signer.Native{Ring: c.Keys}.Query(escapedPath, exp.Unix())
	if err != nil {
		t.Fatalf("clustertest: sign: %v", err)
	}
	return q
}

// Signed returns escapedPath + "?" + the origin token valid until exp: append it to FrontURL
// or a node's URL.
func (c *Cluster) Signed(t TB, escapedPath string, exp time.Time) string {
	t.Helper()
	return escapedPath + "?" + c.Token(t, escapedPath, exp)
}

// EdgeAuth returns the edge's authorization query (Aliyun type A "auth_key=…") for an
// escaped path, valid until exp (timestamp exp-EdgeTTL, as the signer writes it).
func (c *Cluster) EdgeAuth(t TB, escapedPath string, exp time.Time) string {
	t.Helper()
	q, err := signer.AliyunA{Key: c.EdgeKey, ValidFor: EdgeTTL}.Query(escapedPath, exp.Unix())
	if err != nil {
		t.Fatalf("clustertest: edge sign: %v", err)
	}
	return q
}

// EdgeSigned returns escapedPath + "?" + the edge authorization valid until exp: append it
// to EdgeURL.
func (c *Cluster) EdgeSigned(t TB, escapedPath string, exp time.Time) string {
	t.Helper()
	return escapedPath + "?" + c.EdgeAuth(t, escapedPath, exp)
}
