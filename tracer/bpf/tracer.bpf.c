//go:build ignore

/* seccompgen's tracer: counts every syscall of one process tree, per ABI and
 * number, in the kernel. Nothing is streamed per syscall, so nothing can be
 * lost under load; what can overflow is counted in `losses`. */

#include "types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The numbers the Go side shares are enums, not #defines: bpf2go -type
 * generates them into tracer_bpfel.go, and tracer's tests tie them to
 * package recording, so the two sides cannot drift apart. The unused
 * pointers below put each enum into BTF, where bpf2go finds it. */

/* x86_64, i386, x32: the order of recording.ABIs. */
enum abi { ABI_X86_64, ABI_I386, ABI_X32, NR_ABIS };
const enum abi *unused_abi __attribute__((unused));

/* Syscall numbers per ABI; x32's highest is 547, the others' < 500. */
enum limits { MAX_NR = 1024 };
const enum limits *unused_limits __attribute__((unused));

#define X32_SYSCALL_BIT 0x40000000
#define TS_COMPAT 0x0002 /* thread_info.status: this syscall came in through IA32 emulation */
#define NR_EXECVE_X86_64 59
#define SECCOMP_MODE_FILTER 2

/* Losses, indexes into the losses map. */
enum loss { LOSS_PROCS_FULL, LOSS_NR_RANGE, LOSS_EXEC_EVENTS, LOSS_ARGS_FULL, NR_LOSSES };
const enum loss *unused_loss __attribute__((unused));

/* A tracked process is PENDING from its fork by seccompgen until it execs
 * the workload, then ACTIVE. While pending only that execve counts: what
 * seccompgen's own code does in the child before it is not the workload's.
 * With filtered_only, an ACTIVE process that execs under a seccomp filter
 * becomes DONE: it counts nothing more, and its children are not tracked. */
enum state { STATE_PENDING = 1, STATE_ACTIVE, STATE_DONE };
const enum state *unused_state __attribute__((unused));

/* Set at load (Config.FilteredOnly) to measure what a container runtime
 * does between installing the seccomp filter and exec'ing the container's
 * process: count only syscalls of threads that already run under a filter,
 * and only until their process's next exec (that execve included). A
 * constant, so the verifier drops the check when it is off. */
volatile const __u32 filtered_only = 0;

/* Set at load (Config.Args): also record the first argument of the few
 * x86_64 syscalls whose profile rule can pin it (recording.PinnedArgs).
 * A constant, so with it off the verifier drops the branch. */
volatile const __u32 record_args = 0;

/* The x86_64 syscalls of recording.PinnedArgs. */
enum pinned { NR_SOCKET_X86_64 = 41, NR_CLONE_X86_64 = 56, NR_PERSONALITY_X86_64 = 135 };
const enum pinned *unused_pinned __attribute__((unused));
/* clone's namespace-creating flags: the only bits of its flags pinned
 * (recording.CloneNamespaceFlags). All fit in 31 bits, so an enum holds
 * them. */
enum clone_ns {
	CLONE_NS_MASK = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 |
			0x10000000 | 0x20000000 | 0x40000000 | 0x00000080,
};
const enum clone_ns *unused_clone_ns __attribute__((unused));

struct argkey {
	__u32 nr;
	__u32 idx;
	__u64 value;
};

struct proc {
	__u32 state;
	/* execs still to pass before the workload's own (a launcher that
	 * re-executes seccompgen to set the child up). */
	__u32 skip_execs;
};

struct stat {
	__u64 count;
	__u64 first_ns;
	__u32 first_pid;
	char first_comm[16];
};

struct exec_event {
	__u32 pid;
	__u32 dev;
	__u64 ino;
	char filename[256];
};

/* Emitted into BTF so bpf2go generates the Go type of ring buffer records. */
const struct exec_event *unused_exec_event __attribute__((unused));

/* Sized by the loader (Config.MaxProcs). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32); /* tgid */
	__type(value, struct proc);
} procs SEC(".maps");

/* A thread about to fork the workload. Every process it forks while armed
 * is tracked (PENDING): the Go runtime may fork a probe child first (its
 * CLONE_PIDFD check), so the arm cannot be one-shot. last_child lets the
 * loader check that the workload was among them. */
struct spawn {
	__u32 skip_execs; /* for the children */
	__u32 last_child;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32); /* tid */
	__type(value, struct spawn);
} spawners SEC(".maps");

/* Per-CPU, so the hot path has no atomics and no shared cache lines. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_ABIS * MAX_NR);
	__type(key, __u32);
	__type(value, struct stat);
} stats SEC(".maps");

/* One bit per tgid, set while procs holds the tgid as ACTIVE: the hot path
 * tests it with an inlined array access instead of hashing into procs for
 * every syscall on the host. 2^22 bits cover PID_MAX_LIMIT on 64-bit. Bits
 * change with an atomic add (any kernel, no -mcpu=v3): each transition adds
 * or subtracts a bit known to be clear or set, so nothing carries. */
#define ACTIVE_WORDS ((1 << 22) / 64)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ACTIVE_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} active SEC(".maps");

static __always_inline void set_active(__u32 tgid, int on)
{
	__u32 w = tgid / 64;
	__u64 *word = bpf_map_lookup_elem(&active, &w);
	if (!word)
		return;
	__u64 bit = 1ULL << (tgid % 64);
	__sync_fetch_and_add(word, on ? bit : -bit);
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_LOSSES);
	__type(key, __u32);
	__type(value, __u64);
} losses SEC(".maps");

/* Distinct (syscall, argument, value) seen with record_args, and how
 * often. A full map is counted in losses (LOSS_ARGS_FULL): the set of
 * values is then incomplete, and userspace must not pin it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct argkey);
	__type(value, __u64);
} argvals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} execs SEC(".maps");

static __always_inline void lose(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&losses, &what);
	if (n)
		(*n)++;
}

static __always_inline void count_arg(__u32 nr, __u64 value)
{
	struct argkey k = { .nr = nr, .idx = 0, .value = value };
	__u64 one = 1;
	__u64 *n = bpf_map_lookup_elem(&argvals, &k);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (!bpf_map_update_elem(&argvals, &k, &one, BPF_NOEXIST))
		return;
	/* Another CPU may have inserted the key meanwhile; else the map is full. */
	n = bpf_map_lookup_elem(&argvals, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		lose(LOSS_ARGS_FULL);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	/* One helper call for everything the hot path needs of the task. */
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	__u32 w = tgid / 64;
	__u64 *word = bpf_map_lookup_elem(&active, &w);
	if (!word)
		return 0;
	if (!(*word & (1ULL << (tgid % 64)))) {
		/* Not active: only a pending process's execve of the workload counts. */
		if (id != NR_EXECVE_X86_64)
			return 0;
		struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
		if (!p || p->state != STATE_PENDING || p->skip_execs)
			return 0;
	}
	if (filtered_only && task->seccomp.mode != SECCOMP_MODE_FILTER)
		return 0;
	__u32 abi = ABI_X86_64;
	__u64 nr = id;
	if (task->thread_info.status & TS_COMPAT) {
		abi = ABI_I386;
	} else if (nr & X32_SYSCALL_BIT) {
		abi = ABI_X32;
		nr &= ~(__u64)X32_SYSCALL_BIT;
	}
	if (nr >= MAX_NR) {
		lose(LOSS_NR_RANGE);
		return 0;
	}
	__u32 key = abi * MAX_NR + (__u32)nr;
	struct stat *s = bpf_map_lookup_elem(&stats, &key);
	if (!s)
		return 0;
	if (s->count == 0) {
		s->first_ns = bpf_ktime_get_ns();
		s->first_pid = tgid;
		bpf_get_current_comm(s->first_comm, sizeof(s->first_comm));
	}
	s->count++;
	if (record_args && abi == ABI_X86_64 &&
	    (nr == NR_SOCKET_X86_64 || nr == NR_CLONE_X86_64 || nr == NR_PERSONALITY_X86_64)) {
		__u64 a0 = regs->di;
		if (nr == NR_CLONE_X86_64)
			a0 &= (__u64)CLONE_NS_MASK;
		count_arg((__u32)nr, a0);
	}
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ctgid = child->tgid;
	if ((__u32)child->pid != ctgid)
		return 0; /* a new thread: its process is tracked or not already */

	struct proc np = {};
	__u32 ptgid = parent->tgid;
	struct proc *pp = bpf_map_lookup_elem(&procs, &ptgid);
	if (pp) {
		if (pp->state != STATE_ACTIVE)
			return 0;
		np.state = STATE_ACTIVE;
	} else {
		__u32 ptid = parent->pid;
		struct spawn *sp = bpf_map_lookup_elem(&spawners, &ptid);
		if (!sp)
			return 0;
		np.state = STATE_PENDING;
		np.skip_execs = sp->skip_execs;
		sp->last_child = ctgid;
	}
	/* Keep the bit equal to "procs holds ctgid as ACTIVE", even over a
	 * stale entry (a failed update leaves the old one). */
	struct proc *old = bpf_map_lookup_elem(&procs, &ctgid);
	int was_active = old && old->state == STATE_ACTIVE;
	if (bpf_map_update_elem(&procs, &ctgid, &np, BPF_ANY)) {
		lose(LOSS_PROCS_FULL);
		return 0;
	}
	if (was_active != (np.state == STATE_ACTIVE))
		set_active(ctgid, !was_active);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;
	struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p)
		return 0;
	if (p->state == STATE_PENDING) {
		if (p->skip_execs) {
			p->skip_execs--;
			return 0;
		}
		p->state = STATE_ACTIVE;
		set_active(tgid, 1);
	} else if (filtered_only && task->seccomp.mode == SECCOMP_MODE_FILTER &&
		   p->state == STATE_ACTIVE) {
		p->state = STATE_DONE;
		set_active(tgid, 0);
	}
	struct exec_event *e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
	if (!e) {
		lose(LOSS_EXEC_EVENTS);
		return 0;
	}
	e->pid = tgid;
	e->ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	e->dev = BPF_CORE_READ(bprm, file, f_inode, i_sb, s_dev);
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p)
		return 0;
	/* Exit runs per thread; the process is gone with its last one. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (p->state == STATE_ACTIVE)
		set_active(tgid, 0);
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}
