package fastdfs

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
)

// makeName builds the 27-character block from its fields (as storage_gen_filename does).
func makeName(src [4]byte, created uint32, sizeField uint64, crc uint32) string {
	var raw [20]byte
	copy(raw[:4], src[:])
	binary.BigEndian.PutUint32(raw[4:8], created)
	binary.BigEndian.PutUint64(raw[8:16], sizeField)
	binary.BigEndian.PutUint32(raw[16:20], crc)
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

func TestParseFileIDReal(t *testing.T) {
	created := time.Date(2026, 11, 21, 22, 24, 4, 0, time.UTC)
	tests := []struct {
		id   string
		size int64
		crc  uint32
		ext  string
	}{
		{"group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg", 4068, 0xb74d0545, "jpg"},
		{"group1/M00/00/00/fwAAAWsCGgSAdKRaAAACHIb4RZY773.jpg", 540, 0x86f84596, "jpg"},
		{"group1/M00/00/00/fwAAAWsCGgSACY-UAACjilbIFGE158.png", 41866, 0x56c81461, "png"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			f, err := ParseFileID(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			want := FileID{
				Group: "group1", Remote: strings.TrimPrefix(tt.id, "group1/"), StorePath: 0, Kind: KindNormal,
				SourceIP: netip.MustParseAddr("127.0.0.1"), Created: created, Size: tt.size, CRC32: tt.crc,
				MaybeSlave: true, // "695.jpg" is also a slave tail: master "…69.jpeg" + prefix "5" + ".jpg"
			}
			if f != want {
				t.Errorf("got  %+v\nwant %+v", f, want)
			}
			if f.String() != tt.id || f.Ext() != tt.ext || !f.Verifiable() {
				t.Errorf("String %q Ext %q Verifiable %v", f.String(), f.Ext(), f.Verifiable())
			}
		})
	}
}

func TestParseFileIDKinds(t *testing.T) {
	ip := [4]byte{10, 0, 0, 5}
	normal := "M0A/1F/FE/" + makeName(ip, 1700000000, 0x80123456_00000400, 0xdeadbeef) + "12.webp"
	tests := []struct {
		name     string
		id       string
		kind     Kind
		size     int64
		storeIdx int
		storage  uint32
		srcIP    string
	}{
		{"normal, store path 0A", "g2/" + normal, KindNormal, 1024, 10, 0, "10.0.0.5"},
		{"no extension", "g2/M00/00/00/" + makeName(ip, 1, 0x80000000_00000007, 1) + "1234567", KindNormal, 7, 0, 0, "10.0.0.5"},
		{"six-character extension", "g2/M00/00/00/" + makeName(ip, 1, 0x80000000_00000007, 1) + ".abcdef", KindNormal, 7, 0, 0, "10.0.0.5"},
		{"4 GB+ plain size", "g2/M00/00/00/" + makeName(ip, 1, 5<<30, 1) + "000.jpg", KindNormal, 5 << 30, 0, 0, "10.0.0.5"},
		{"storage id 100", "g2/M00/00/00/" + makeName([4]byte{100, 0, 0, 0}, 1, 0x80000000_00000009, 1) + "000.jpg", KindNormal, 9, 0, 100, ""},
		{"appender", "g2/M00/00/00/" + makeName(ip, 1, 1<<58, 0) + "000.jpg", KindAppender, -1, 0, 0, "10.0.0.5"},
		{"trunk", "g2/M00/00/00/" + makeName(ip, 1, 1<<59|0x80000000_00000400, 7) + base64.RawURLEncoding.EncodeToString(make([]byte, 12)) + "000.jpg", KindTrunk, 1024, 0, 0, "10.0.0.5"},
		{"slave", "g2/" + normal[:len(normal)-5] + "_150x150.webp", KindSlave, -1, 10, 0, "10.0.0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFileID(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if f.Kind != tt.kind || f.Size != tt.size || f.StorePath != tt.storeIdx || f.StorageID != tt.storage {
				t.Errorf("got kind %v size %d store %d storage id %d", f.Kind, f.Size, f.StorePath, f.StorageID)
			}
			if got := f.SourceIP.String(); tt.srcIP != "" && got != tt.srcIP || tt.srcIP == "" && f.SourceIP.IsValid() {
				t.Errorf("source ip %s, want %q", got, tt.srcIP)
			}
			if f.Verifiable() != (tt.kind == KindNormal || tt.kind == KindTrunk) {
				t.Errorf("Verifiable = %v", f.Verifiable())
			}
		})
	}
}

func TestParseFileIDInvalid(t *testing.T) {
	good := "group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg"
	tests := map[string]string{
		"empty":               "",
		"no slash":            "group1",
		"empty group":         "/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg",
		"group too long":      "group123456789012/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg",
		"group punctuation":   "group-1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg",
		"leading slash":       "/" + good,
		"no suffix":           good[:len(good)-7],
		"slave, bad char":     good[:len(good)-4] + "_a+b",
		"lower-case hex dir":  strings.Replace(good, "M00/00/00", "M00/0a/00", 1),
		"no M":                strings.Replace(good, "M00", "N00", 1),
		"dot dot":             "group1/M00/../00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg",
		"bad base64 char":     strings.Replace(good, "fwAAAW", "fw+AAW", 1),
		"non-canonical tail":  strings.Replace(good, "BUU695", "BUV695", 1),
		"slave with slash":    good[:len(good)-4] + "/x.jpg",
		"slave with space":    good[:len(good)-4] + "_a b.jpg",
		"too long":            good + strings.Repeat("a", 100),
		"trunk bit, short":    "g/M00/00/00/" + makeName([4]byte{1, 2, 3, 4}, 1, 1<<59, 0) + "000.jpg",
		"trunk, no suffix":    "g/M00/00/00/" + makeName([4]byte{1, 2, 3, 4}, 1, 1<<59, 0) + base64.RawURLEncoding.EncodeToString(make([]byte, 12)),
		"trunk bad position":  "g/M00/00/00/" + makeName([4]byte{1, 2, 3, 4}, 1, 1<<59, 0) + "!!!!!!!!!!!!!!!!000.jpg",
		"nul byte":            strings.Replace(good, "jpg", "j\x00g", 1),
		"extension bad chars": strings.Replace(good, "695.jpg", "69.j%g", 1),
	}
	for name, id := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := ParseFileID(id)
			if !errors.Is(err, ErrInvalidFileID) || !errors.Is(err, source.ErrInvalidKey) {
				t.Fatalf("ParseFileID(%q) = %+v, %v; want ErrInvalidFileID", id, f, err)
			}
		})
	}
}

func FuzzParseFileID(f *testing.F) {
	f.Add("group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg")
	f.Add("group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695_150x150.jpg")
	f.Add("g2/M00/00/00/" + makeName([4]byte{1, 2, 3, 4}, 1, 1<<59|0x400, 7) + base64.RawURLEncoding.EncodeToString(make([]byte, 12)) + "000.jpg")
	f.Add("group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU6951234")
	f.Add("group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU69a.jpg") // 44-character slave, letter prefix
	f.Add("group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU69abc")   // 42-character slave, no extension
	f.Add("group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUUx")       // 38 characters: the shortest slave
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseFileID(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidFileID) {
				t.Fatalf("error of the wrong kind: %v", err)
			}
			return
		}
		if id.String() != s {
			t.Fatalf("String() = %q, input %q", id.String(), s)
		}
		if len(id.Remote) <= b64End || len(id.Remote) > maxNameLen || len(id.Group) > GroupLen {
			t.Fatalf("accepted lengths group %d remote %d", len(id.Group), len(id.Remote))
		}
		if strings.ContainsAny(s, "\x00 %?#\\") || strings.Contains(s, "..") && id.Kind != KindSlave {
			t.Fatalf("accepted unsafe id %q", s)
		}
		if id.Kind == KindSlave && id.MaybeSlave || id.Kind == KindNormal && len(id.Remote) != normalNameLen || id.Kind == KindTrunk && len(id.Remote) != trunkNameLen {
			t.Fatalf("kind %v (maybe slave %v) for a %d-character name", id.Kind, id.MaybeSlave, len(id.Remote))
		}
		if id.Verifiable() != (id.Size >= 0) {
			t.Fatalf("size %d for kind %v", id.Size, id.Kind)
		}
		again, err := ParseFileID(id.String())
		if err != nil || again != id {
			t.Fatalf("re-parse differs: %+v %v", again, err)
		}
	})
}

// TestParseFileIDSlaveForms builds slave names the way fdfs_gen_slave_filename
// (common/fdfs_global.c) does: the master's name up to the dot of its extension, the prefix,
// then "." + the slave's extension or nothing.
func TestParseFileIDSlaveForms(t *testing.T) {
	ip := [4]byte{10, 0, 0, 5}
	block := makeName(ip, 1700000000, 0x80123456_00000400, 0xdeadbeef)
	trunkPos := base64.RawURLEncoding.EncodeToString(make([]byte, 12))
	trunkBlock := makeName(ip, 1700000000, 1<<59|0x80000000_00000400, 7)
	tests := []struct {
		name, master, prefix, ext string
		kind                      Kind
		maybeSlave                bool
		length                    int
	}{
		{"one-letter prefix, 4-letter master extension, 3-letter slave extension", block + "12.jpeg", "a", "jpg", KindSlave, false, 44},
		{"digit prefix, same length as a normal name", block + "12.jpeg", "5", "jpg", KindNormal, true, 44},
		{"no slave extension", block + "12.jpeg", "abc", "", KindSlave, false, 42},
		{"digit prefix, no extension", block + "12.jpeg", "12345", "", KindNormal, true, 44},
		{"6-letter master extension, 1-letter prefix, no extension", block + ".abcdef", "x", "", KindSlave, false, 38},
		{"16-character prefix", block + "123.jpg", "_0123456789abcde", "webp", KindSlave, false, 40 + 16 + 5},
		{"master without extension", block + "1234567", "_s", "jpg", KindSlave, false, 44 + 2 + 4},
		{"common thumbnail", block + "123.jpg", "_150x150", "jpg", KindSlave, false, 52},
		{"trunk master", trunkBlock + trunkPos + "123.jpg", "_m", "jpg", KindSlave, false, 60 + 2},
		{"trunk master, digit prefix", trunkBlock + trunkPos + "12.jpeg", "5", "jpg", KindTrunk, true, 60},
		{"trunk master, short slave", trunkBlock + trunkPos + "12.jpeg", "a", "", KindSlave, false, 56},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stem := tt.master
			if i := strings.LastIndexByte(tt.master, '.'); i >= len(tt.master)-7 {
				stem = tt.master[:i]
			}
			name := "M00/00/00/" + stem + tt.prefix
			if tt.ext != "" {
				name += "." + tt.ext
			}
			if len(name) != tt.length {
				t.Fatalf("test name %q is %d characters, want %d", name, len(name), tt.length)
			}
			f, err := ParseFileID("g2/" + name)
			if err != nil {
				t.Fatal(err)
			}
			if f.Kind != tt.kind || f.MaybeSlave != tt.maybeSlave {
				t.Errorf("kind %v maybe slave %v, want %v %v", f.Kind, f.MaybeSlave, tt.kind, tt.maybeSlave)
			}
			if f.Ext() != tt.ext {
				t.Errorf("Ext() = %q, want %q", f.Ext(), tt.ext)
			}
		})
	}
}
