package imgprobe

// probeISOBMFF reads an AVIF or HEIF file: ftyp brands, then meta: the primary item (pitm),
// its properties (ipco) and their associations (ipma). Without usable associations the
// largest ispe is taken (best effort).
func probeISOBMFF(d []byte) (Info, error) {
	size := uint64(be32(d))
	if size < 16 || size > uint64(len(d)) {
		return Info{}, ErrUnknownFormat
	}
	var f Format
	brands := d[8:size]
	for k := 0; k+4 <= len(brands); k += 4 {
		if k == 4 { // minor version
			continue
		}
		switch string(brands[k : k+4]) {
		case "avif", "avis":
			f = AVIF
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
			if f == "" {
				f = HEIF
			}
		}
	}
	if f == "" {
		return Info{}, ErrUnknownFormat // some other ISO-BMFF file (MP4, …)
	}
	p := &bmffProbe{}
	p.walk(d[size:], 0)
	in := Info{Format: f, Orientation: 1, Frames: 1}
	var w, h uint32
	var rot90 bool
	if assoc, ok := p.assoc[p.primary]; ok && p.primary != 0 {
		for _, idx := range assoc {
			if idx < 1 || idx > len(p.props) {
				continue
			}
			pr := p.props[idx-1]
			switch pr.typ {
			case "ispe":
				w, h = pr.w, pr.h
			case "irot":
				rot90 = pr.rot90
			}
		}
		in.HasAlpha = p.alpha // the alpha plane is an auxiliary item of its own
	}
	if w == 0 || h == 0 {
		for _, pr := range p.props {
			if pr.typ == "ispe" && uint64(pr.w)*uint64(pr.h) > uint64(w)*uint64(h) {
				w, h = pr.w, pr.h
			}
		}
		in.HasAlpha = p.alpha
	}
	if w == 0 || h == 0 {
		return Info{}, corrupt(f, "no image spatial extent")
	}
	in.Width, in.Height = int(w), int(h)
	if rot90 {
		in.Width, in.Height = in.Height, in.Width
	}
	return in, nil
}

type bmffProp struct {
	typ   string
	w, h  uint32
	rot90 bool
}

type bmffProbe struct {
	primary uint32
	props   []bmffProp
	assoc   map[uint32][]int
	alpha   bool
	boxes   int
}

// walk reads the boxes in d, descending into the containers that lead to item properties.
func (p *bmffProbe) walk(d []byte, depth int) {
	if depth > 4 {
		return
	}
	for len(d) >= 8 && p.boxes < maxChunks {
		p.boxes++
		n := uint64(be32(d))
		typ := string(d[4:8])
		hdr := uint64(8)
		switch n {
		case 0: // to the end
			n = uint64(len(d))
		case 1: // 64-bit size
			if len(d) < 16 {
				return
			}
			n = uint64(be32(d[8:]))<<32 | uint64(be32(d[12:]))
			hdr = 16
		}
		if n < hdr || n > uint64(len(d)) {
			n = uint64(len(d)) // truncated: look at what is there
			if n < hdr {
				return
			}
		}
		body := d[hdr:n]
		switch {
		case typ == "meta" && depth == 0: // full box
			if len(body) >= 4 {
				p.walk(body[4:], depth+1)
			}
		case typ == "iprp" && depth == 1:
			p.walk(body, depth+1)
		case typ == "pitm" && depth == 1:
			if len(body) >= 6 && body[0] == 0 {
				p.primary = uint32(be16(body[4:]))
			} else if len(body) >= 8 {
				p.primary = be32(body[4:])
			}
		case typ == "ipco" && depth == 2:
			p.properties(body)
		case typ == "ipma" && depth == 2:
			p.associations(body)
		}
		d = d[n:]
	}
}

// properties records the ipco children in order (ipma refers to them by 1-based index).
func (p *bmffProbe) properties(d []byte) {
	for len(d) >= 8 && len(p.props) < maxChunks {
		n := uint64(be32(d))
		if n < 8 || n > uint64(len(d)) {
			return
		}
		pr := bmffProp{typ: string(d[4:8])}
		body := d[8:n]
		switch pr.typ {
		case "ispe": // full box, width, height
			if len(body) >= 12 {
				pr.w, pr.h = be32(body[4:]), be32(body[8:])
			}
		case "irot":
			pr.rot90 = len(body) >= 1 && body[0]&3%2 == 1
		case "auxC":
			if len(body) > 4 && containsAlphaURN(body[4:]) {
				p.alpha = true
			}
		}
		p.props = append(p.props, pr)
		d = d[n:]
	}
}

// associations reads ipma: for each item, the indices of its properties.
func (p *bmffProbe) associations(d []byte) {
	if len(d) < 8 {
		return
	}
	version, flags := d[0], d[3]
	count := be32(d[4:])
	d = d[8:]
	p.assoc = map[uint32][]int{}
	for k := uint32(0); k < count && k < maxChunks; k++ {
		var id uint32
		if version < 1 {
			if len(d) < 3 {
				return
			}
			id, d = uint32(be16(d)), d[2:]
		} else {
			if len(d) < 5 {
				return
			}
			id, d = be32(d), d[4:]
		}
		m := int(d[0])
		d = d[1:]
		var idx []int
		for j := 0; j < m; j++ {
			if flags&1 != 0 {
				if len(d) < 2 {
					return
				}
				idx, d = append(idx, be16(d)&0x7FFF), d[2:]
			} else {
				if len(d) < 1 {
					return
				}
				idx, d = append(idx, int(d[0]&0x7F)), d[1:]
			}
		}
		if id == p.primary || p.primary == 0 {
			p.assoc[id] = idx
		}
	}
}

func containsAlphaURN(b []byte) bool {
	const a1, a2 = "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", "urn:mpeg:hevc:2015:auxid:1"
	s := string(b)
	return hasPrefix(s, a1) || hasPrefix(s, a2)
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
