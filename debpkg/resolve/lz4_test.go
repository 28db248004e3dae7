package resolve

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// unlz4 decodes the LZ4 frame format, which apt uses for the index copies
// it keeps in /var/lib/apt/lists. It is only good enough for tests: no
// checksum is verified.
func unlz4(in []byte) ([]byte, error) {
	var out []byte
	for len(in) > 0 {
		if len(in) < 4 {
			return nil, errors.New("lz4: truncated frame")
		}
		magic := binary.LittleEndian.Uint32(in)
		if magic&0xFFFFFFF0 == 0x184D2A50 { // skippable frame
			if len(in) < 8 {
				return nil, errors.New("lz4: truncated skippable frame")
			}
			n := int(binary.LittleEndian.Uint32(in[4:]))
			if n > len(in)-8 {
				return nil, errors.New("lz4: truncated skippable frame")
			}
			in = in[8+n:]
			continue
		}
		if magic != 0x184D2204 || len(in) < 7 {
			return nil, fmt.Errorf("lz4: bad magic %#x", magic)
		}
		flg := in[4]
		pos := 7 // magic, FLG, BD, HC
		if flg&0x08 != 0 {
			pos += 8
		}
		if flg&0x01 != 0 {
			pos += 4
		}
		blockSum, contentSum := flg&0x10 != 0, flg&0x04 != 0
		for {
			if pos+4 > len(in) {
				return nil, errors.New("lz4: truncated block")
			}
			size := binary.LittleEndian.Uint32(in[pos:])
			pos += 4
			if size == 0 {
				break
			}
			n := int(size & 0x7FFFFFFF)
			if pos+n > len(in) {
				return nil, errors.New("lz4: truncated block")
			}
			var err error
			if size&0x80000000 != 0 {
				out = append(out, in[pos:pos+n]...)
			} else if out, err = unlz4Block(out, in[pos:pos+n]); err != nil {
				return nil, err
			}
			pos += n
			if blockSum {
				pos += 4
			}
		}
		if contentSum {
			pos += 4
		}
		if pos > len(in) {
			return nil, errors.New("lz4: truncated frame end")
		}
		in = in[pos:]
	}
	return out, nil
}

// unlz4Block appends the decoded block src to out; matches may reach back
// into earlier blocks.
func unlz4Block(out, src []byte) ([]byte, error) {
	length := func(n int, i *int) (int, error) {
		if n != 15 {
			return n, nil
		}
		for {
			if *i >= len(src) {
				return 0, errors.New("lz4: truncated length")
			}
			b := src[*i]
			*i++
			n += int(b)
			if b != 255 {
				return n, nil
			}
		}
	}
	for i := 0; i < len(src); {
		token := src[i]
		i++
		lit, err := length(int(token>>4), &i)
		if err != nil {
			return nil, err
		}
		if i+lit > len(src) {
			return nil, errors.New("lz4: literals past block end")
		}
		out = append(out, src[i:i+lit]...)
		i += lit
		if i == len(src) {
			break
		}
		if i+2 > len(src) {
			return nil, errors.New("lz4: truncated offset")
		}
		off := int(binary.LittleEndian.Uint16(src[i:]))
		i += 2
		ml, err := length(int(token&15), &i)
		if err != nil {
			return nil, err
		}
		ml += 4
		if off == 0 || off > len(out) {
			return nil, errors.New("lz4: bad match offset")
		}
		start := len(out) - off
		for k := 0; k < ml; k++ {
			out = append(out, out[start+k])
		}
	}
	return out, nil
}
