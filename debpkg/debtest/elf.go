package debtest

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// ELF returns a minimal little-endian ELF64 (aarch64) file with one
// allocated PROGBITS section named section holding data: enough for code
// that reads a binary's .rodata without running it.
func ELF(section string, data []byte) []byte {
	shstrtab := []byte("\x00" + section + "\x00.shstrtab\x00")
	const ehsize, shentsize = 64, 64
	dataOff := uint64(ehsize)
	strOff := dataOff + uint64(len(data))
	shoff := strOff + uint64(len(shstrtab))
	hdr := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_AARCH64), Version: uint32(elf.EV_CURRENT),
		Shoff: shoff, Ehsize: ehsize, Shentsize: shentsize, Shnum: 3, Shstrndx: 2,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	sections := []elf.Section64{
		{},
		{Name: 1, Type: uint32(elf.SHT_PROGBITS), Flags: uint64(elf.SHF_ALLOC), Off: dataOff, Size: uint64(len(data)), Addralign: 1},
		{Name: uint32(len(section) + 2), Type: uint32(elf.SHT_STRTAB), Off: strOff, Size: uint64(len(shstrtab)), Addralign: 1},
	}
	var b bytes.Buffer
	for _, v := range []any{hdr, data, shstrtab, sections} {
		binary.Write(&b, binary.LittleEndian, v) // writes to a bytes.Buffer cannot fail
	}
	return b.Bytes()
}

// BusyboxTable renders a busybox applet table as busybox stores it in
// .rodata: applet_names (sorted names, NUL-separated, starting with "[")
// and, when dirs is given (one per name: "/", "/bin", "/sbin", "/usr/bin",
// "/usr/sbin"), applet_install_loc, with some noise around them.
func BusyboxTable(names, dirs []string) []byte {
	var b bytes.Buffer
	b.WriteString("usage: [ EXPR ]\x00\x07\x09\xff\xfe")
	for _, n := range names {
		b.WriteString(n + "\x00")
	}
	b.WriteString("\x00\xff\xfe\x99")
	if len(dirs) > 0 {
		codes := map[string]byte{"/": 0, "/bin": 1, "/sbin": 2, "/usr/bin": 3, "/usr/sbin": 4}
		for i := 0; i < len(dirs); i += 2 {
			v := codes[dirs[i]]
			if i+1 < len(dirs) {
				v |= codes[dirs[i+1]] << 4
			}
			b.WriteByte(v)
		}
	}
	b.WriteString("\xff\xee--help\x00")
	return b.Bytes()
}
