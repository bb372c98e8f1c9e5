package binscan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/arch/x86/x86asm"
)

// Hand-assembled x86-64, one instruction per line.
var (
	syscallInsn = []byte{0x0f, 0x05}
	movEAX      = func(v byte) []byte { return []byte{0xb8, v, 0, 0, 0} } // mov eax, v
	movEDI      = func(v byte) []byte { return []byte{0xbf, v, 0, 0, 0} } // mov edi, v
)

func asm(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name string
		code []byte
		want values
	}{
		{"mov imm", asm(movEAX(39), syscallInsn), values{consts: []int64{39}}},
		{"register copies", asm(movEDI(231), []byte{0x89, 0xf9} /* mov ecx, edi */, []byte{0x89, 0xc8} /* mov eax, ecx */, syscallInsn),
			values{consts: []int64{231}}},
		{"xor eax, eax", asm([]byte{0x31, 0xc0}, syscallInsn), values{consts: []int64{0}}},
		{"both branches agree", asm(
			[]byte{0x85, 0xff}, // test edi, edi
			[]byte{0x74, 0x07}, // je +7
			movEAX(60),         // mov eax, 60
			[]byte{0xeb, 0x05}, // jmp +5
			movEAX(60),         // mov eax, 60
			syscallInsn),
			values{consts: []int64{60}}},
		{"branches differ: both kept", asm(
			[]byte{0x85, 0xff},
			[]byte{0x74, 0x07},
			movEAX(56),
			[]byte{0xeb, 0x05},
			movEAX(57),
			syscallInsn),
			values{consts: []int64{56, 57}}},
		{"value defined before a loop", asm(
			movEAX(202),         // mov eax, 202
			[]byte{0x89, 0xc2},  // mov edx, eax
			[]byte{0x89, 0xd0},  // loop: mov eax, edx
			syscallInsn,         // syscall
			[]byte{0x85, 0xc0},  // test eax, eax
			[]byte{0x75, 0xf8}), // jne loop
			values{consts: []int64{202}}},
		{"argument: syscall(2)", asm([]byte{0x48, 0x89, 0xf8} /* mov rax, rdi */, syscallInsn),
			values{params: []loc{regLoc(rDI)}}},
		{"stack slot", asm(
			[]byte{0x48, 0xc7, 0x44, 0x24, 0x08, 0x3c, 0, 0, 0}, // mov qword [rsp+8], 60
			[]byte{0x48, 0x8b, 0x44, 0x24, 0x08},                // mov rax, [rsp+8]
			syscallInsn),
			values{consts: []int64{60}}},
		{"push and pop", asm([]byte{0x6a, 0x3c} /* push 60 */, []byte{0x58} /* pop rax */, syscallInsn),
			values{consts: []int64{60}}},
		{"slot across sub rsp", asm(
			[]byte{0x48, 0x83, 0xec, 0x10},       // sub rsp, 16
			[]byte{0x48, 0x8b, 0x44, 0x24, 0x18}, // mov rax, [rsp+24]
			syscallInsn),
			values{params: []loc{{slot: true, reg: rSP, disp: 8}}}},
		{"clobbered by a call", asm(movEAX(1), []byte{0xe8, 0, 0, 0, 0}, syscallInsn), values{unknown: true}},
		{"loaded from memory", asm([]byte{0x8b, 0x07} /* mov eax, [rdi] */, syscallInsn), values{unknown: true}},
		{"partial write", asm([]byte{0xb0, 0x01} /* mov al, 1 */, syscallInsn), values{unknown: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ins := decode(tc.code, 0x1000, nil)
			g := newCFG(ins)
			i := len(ins) - 1
			for i >= 0 && ins[i].Op != x86asm.SYSCALL {
				i--
			}
			got := g.resolve(i, regLoc(rAX))
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(values{}, loc{})); diff != "" {
				t.Errorf("resolve (-want +got):\n%s", diff)
			}
		})
	}
}
