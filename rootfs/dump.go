package rootfs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// TreeDump renders every path of t as one line, for golden tests:
//
//	file 04755 0:0 <first 12 hex digits of the content's sha256>
//	dir 0755 0:0
//	symlink 0777 0:0 -> target
//	hardlink -> /path
//	char 0666 0:0 1,3   (block alike)
//	fifo 0644 0:0
func TreeDump(t *Tree) map[string]string {
	out := make(map[string]string, len(t.nodes))
	for p, n := range t.nodes {
		out[p] = dumpLine(n)
	}
	return out
}

func dumpLine(n *Node) string {
	head := fmt.Sprintf("%s 0%03o %d:%d", n.Type, n.Mode, n.Uid, n.Gid)
	switch n.Type {
	case TypeReg:
		sum := sha256.Sum256(n.Data)
		return head + " " + hex.EncodeToString(sum[:6])
	case TypeSymlink:
		return head + " -> " + n.Link
	case TypeHardlink:
		return "hardlink -> " + n.Link
	case TypeChar, TypeBlock:
		return fmt.Sprintf("%s %d,%d", head, n.Devmajor, n.Devminor)
	default:
		return head
	}
}
