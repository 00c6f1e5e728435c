package smoke

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/signer"
)

// upload posts samples/photo.jpg with the demo page's policy to its endpoint (the edge's
// /u/s3), loads every URL the answer names, then deletes the object with a signed DELETE
// (keys.json, as `imgsign delete` signs it).
func (c *checker) upload(policy, endpoint string) {
	if policy == "" || endpoint == "" {
		c.fail("the demo page has no upload policy (#upload-form data-policy, data-endpoint)")
		return
	}
	photo, err := os.ReadFile(filepath.Join(c.dir, "samples", "photo.jpg"))
	if err != nil {
		c.fail("the upload's file: %v", err)
		return
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("policy", policy)
	fw, _ := mw.CreateFormFile("file", "photo.jpg") // the file goes last, after the policy
	_, _ = fw.Write(photo)
	_ = mw.Close()
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, endpoint, &body)
	if err != nil {
		c.fail("POST %s: %v", endpoint, err)
		return
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r := c.do(req)
	var answer struct {
		Key  string            `json:"key"`
		URLs map[string]string `json:"urls"`
	}
	if r.status != http.StatusCreated || json.Unmarshal(r.body, &answer) != nil || answer.Key == "" {
		c.fail("POST %s through the edge: %s %.300s (want 201 with a key)", shown(endpoint), r.summary(), r.body)
		return
	}
	c.pass("201 stored s3/%s", answer.Key)
	if len(answer.URLs) == 0 {
		c.fail("the upload's answer names no URLs")
	}
	presets := make([]string, 0, len(answer.URLs))
	for p := range answer.URLs {
		presets = append(presets, p)
	}
	slices.Sort(presets)
	for _, p := range presets {
		r := c.get(answer.URLs[p])
		s, err := c.measure(r.body)
		c.check(r.status == 200 && err == nil, "answered URL "+p+": "+r.summary()+" "+s.String(), "200, a readable image")
	}

	keys, err := signer.LoadKeyFile(filepath.Join(c.dir, "keys.json"))
	var ring *signer.Ring
	if err == nil {
		ring, err = signer.NewRing(keys...)
	}
	var tok string
	if err == nil {
		tok, err = ring.DeleteToken("s3", answer.Key, time.Now().Add(5*time.Minute).Unix())
	}
	if err != nil {
		c.fail("signing the DELETE: %v", err)
		return
	}
	del := strings.TrimSuffix(c.list.Edge, "/") + signer.UploadPath("s3", answer.Key) + "?" + signer.DefaultParam + "=" + tok
	req, err = http.NewRequestWithContext(c.ctx, http.MethodDelete, del, nil)
	if err != nil {
		c.fail("DELETE: %v", err)
		return
	}
	r = c.do(req)
	var gone struct {
		Existed bool `json:"existed"`
	}
	ok := r.status == 200 && json.Unmarshal(r.body, &gone) == nil && gone.Existed
	c.check(ok, "signed DELETE: "+r.summary()+", deleted and purged", `200 {"existed": true}; got `+string(r.body))
}
