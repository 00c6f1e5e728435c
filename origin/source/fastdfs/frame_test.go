package fastdfs

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// unhex decodes a hex dump with spaces and newlines, as in fastdfs-protocol.md §3–5.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

const capturedRemote = "M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg"

// Captured from a live V6.15.5 tracker and storage.
const (
	capFetchRequest = `
00 00 00 00 00 00 00 3c 66 00 67 72 6f 75 70 31
00 00 00 00 00 00 00 00 00 00 4d 30 30 2f 30 30
2f 30 30 2f 66 77 41 41 41 57 73 43 47 67 53 41
4f 4a 2d 42 41 41 41 50 35 4c 64 4e 42 55 55 36
39 35 2e 6a 70 67`
	capFetchReply = `
00 00 00 00 00 00 00 27 64 00 67 72 6f 75 70 31
00 00 00 00 00 00 00 00 00 00 31 32 37 2e 30 2e
30 2e 31 00 00 00 00 00 00 00 00 00 00 00 00 59
d8`
	capDownloadRequest = `
00 00 00 00 00 00 00 4c 0e 00 00 00 00 00 00 00
00 64 00 00 00 00 00 00 00 20 67 72 6f 75 70 31
00 00 00 00 00 00 00 00 00 00 4d 30 30 2f 30 30
2f 30 30 2f 66 77 41 41 41 57 73 43 47 67 53 41
4f 4a 2d 42 41 41 41 50 35 4c 64 4e 42 55 55 36
39 35 2e 6a 70 67`
	capStoreReply = `
00 00 00 00 00 00 00 28 64 00 67 72 6f 75 70 31 00 00 00 00 00 00 00 00 00 00
31 32 37 2e 30 2e 30 2e 31 00 00 00 00 00 00 00 00 00 00 00 00 59 d8 00`
	capUploadPrefix = `00 00 00 00 00 00 00 4b 0b 00 00 00 00 00 00 00 00 00 3c 6a 70 67 00 00 00`
)

func TestEncodeMatchesCaptures(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"query fetch one", AppendFetchRequest(nil, CmdQueryFetchOne, "group1", capturedRemote), capFetchRequest},
		{"download offset 100 length 32", AppendDownloadRequest(nil, "group1", capturedRemote, 100, 32), capDownloadRequest},
		{"query store without group", AppendStoreQuery(nil, ""), "00 00 00 00 00 00 00 00 65 00"},
		{"upload prefix", AppendUploadHeader(nil, 0, "jpg", 60), capUploadPrefix},
		{"active test", AppendHeader(nil, Header{Cmd: CmdActiveTest}), "00 00 00 00 00 00 00 00 6f 00"},
		{"quit", AppendHeader(nil, Header{Cmd: CmdQuit}), "00 00 00 00 00 00 00 00 52 00"},
		{"delete header", AppendFetchRequest(nil, CmdDeleteFile, "group1", capturedRemote)[:16], "00 00 00 00 00 00 00 3c 0c 00 67 72 6f 75 70 31"},
		{"query store with group", AppendStoreQuery(nil, "group1"), "00 00 00 00 00 00 00 10 68 00 67 72 6f 75 70 31 00 00 00 00 00 00 00 00 00 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := unhex(t, tt.want); !bytes.Equal(tt.got, want) {
				t.Errorf("encoded\n% x\nwant\n% x", tt.got, want)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Header
		wantErr bool
	}{
		{"fetch reply", "00 00 00 00 00 00 00 27 64 00", Header{Len: 39, Cmd: 100}, false},
		{"enoent", "00 00 00 00 00 00 00 00 64 02", Header{Cmd: 100, Status: 2}, false},
		{"einval", "00 00 00 00 00 00 00 00 64 16", Header{Cmd: 100, Status: 22}, false},
		{"download reply", "00 00 00 00 00 00 00 20 64 00", Header{Len: 32, Cmd: 100}, false},
		{"short", "00 00 00 00 00 00 00 20 64", Header{}, true},
		{"negative length", "ff 00 00 00 00 00 00 20 64 00", Header{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader(unhex(t, tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrFrame) {
					t.Fatalf("err = %v, want ErrFrame", err)
				}
				return
			}
			if err != nil || h != tt.want {
				t.Fatalf("ParseHeader = %+v, %v; want %+v", h, err, tt.want)
			}
			if got := AppendHeader(nil, h); !bytes.Equal(got, unhex(t, tt.in)) {
				t.Errorf("re-encoded % x", got)
			}
		})
	}
}

func TestParseTrackerReplies(t *testing.T) {
	ipv6 := func(store bool) []byte {
		b := make([]byte, 16+45+8)
		copy(b, "group2")
		copy(b[16:], "fd00:1234:5678::abcd")
		b[16+45+6], b[16+45+7] = 0x59, 0xd8
		if store {
			b = append(b, 3)
		}
		return b
	}
	tests := []struct {
		name  string
		body  []byte
		store bool
		want  Storage
	}{
		{"fetch captured (15-byte ip)", unhex(t, capFetchReply)[HeaderLen:], false, Storage{Group: "group1", IP: "127.0.0.1", Port: 23000}},
		{"store captured (15-byte ip)", unhex(t, capStoreReply)[HeaderLen:], true, Storage{Group: "group1", IP: "127.0.0.1", Port: 23000}},
		{"fetch 45-byte ip", ipv6(false), false, Storage{Group: "group2", IP: "fd00:1234:5678::abcd", Port: 23000}},
		{"store 45-byte ip", ipv6(true), true, Storage{Group: "group2", IP: "fd00:1234:5678::abcd", Port: 23000, StorePath: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := ParseFetchReply
			if tt.store {
				parse = parseStoreReply
			}
			got, err := parse(tt.body)
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	t.Run("addr", func(t *testing.T) {
		if a := (Storage{IP: "fd00::1", Port: 23000}).Addr(); a != "[fd00::1]:23000" {
			t.Errorf("Addr = %q", a)
		}
	})
	bad := []struct {
		name string
		body []byte
	}{
		{"16-byte ip (buggy clients' assumption)", make([]byte, 16+16+8)},
		{"empty", nil},
		{"zero port", append(append([]byte("group1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "127.0.0.1\x00\x00\x00\x00\x00\x00"...), make([]byte, 8)...)},
		{"empty group", append(make([]byte, 16), unhex(t, capFetchReply)[HeaderLen+16:]...)},
		{"junk ip", append(append([]byte("group1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "127.0.0.1/\x00\x00\x00\x00\x00"...), 0, 0, 0, 0, 0, 0, 0x59, 0xd8)},
	}
	for _, tt := range bad {
		t.Run("bad/"+tt.name, func(t *testing.T) {
			if got, err := ParseFetchReply(tt.body); !errors.Is(err, ErrFrame) {
				t.Fatalf("got %+v, %v; want ErrFrame", got, err)
			}
		})
	}
}

func TestParseUploadReply(t *testing.T) {
	body := append([]byte("group1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "M00/00/00/fwAAAWsCGtyAFL9iAAAAPBuroHg085.jpg"...)
	id, err := ParseUploadReply(body)
	if err != nil || id != "group1/M00/00/00/fwAAAWsCGtyAFL9iAAAAPBuroHg085.jpg" {
		t.Fatalf("got %q, %v", id, err)
	}
	f, err := ParseFileID(id)
	if err != nil || f.Size != 60 {
		t.Fatalf("uploaded 60 bytes: parsed %+v, %v", f, err)
	}
	for _, b := range [][]byte{body[:16], body[:20], append(body[:16:16], "garbage/name"...)} {
		if _, err := ParseUploadReply(b); !errors.Is(err, ErrFrame) {
			t.Errorf("ParseUploadReply(%q) err = %v, want ErrFrame", b, err)
		}
	}
}

func FuzzFrames(f *testing.F) {
	f.Add(unhex(f, capFetchReply))
	f.Add(unhex(f, capStoreReply))
	f.Add(unhex(f, "00 00 00 00 00 00 00 00 64 02"))
	f.Add(unhex(f, capDownloadRequest))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		if h.Len < 0 {
			t.Fatalf("negative length %d", h.Len)
		}
		if got := AppendHeader(nil, h); !bytes.Equal(got, b[:HeaderLen]) {
			t.Fatalf("header round trip % x → % x", b[:HeaderLen], got)
		}
		body := b[HeaderLen:]
		if st, err := ParseFetchReply(body); err == nil {
			if st.Port < 1 || st.Port > 65535 || st.Group == "" || st.IP == "" {
				t.Fatalf("accepted %+v", st)
			}
		}
		if _, err := parseStoreReply(body); err == nil && len(body) != 40 && len(body) != 70 {
			t.Fatalf("store reply of %d bytes accepted", len(body))
		}
		if fi, err := ParseFileInfoReply(body); err == nil && fi.Size < 0 {
			t.Fatalf("file info with size %d accepted", fi.Size)
		}
		if id, err := ParseUploadReply(body); err == nil {
			if _, err := ParseFileID(id); err != nil {
				t.Fatalf("upload reply %q gives unparsable id: %v", id, err)
			}
		}
	})
}
