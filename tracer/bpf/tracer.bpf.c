//go:build ignore

/* seccompgen's tracer: counts every syscall of one process tree, per ABI and
 * number, in the kernel. Nothing is streamed per syscall, so nothing can be
 * lost under load; what can overflow is counted in `losses`. */

#include "types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define NR_ABIS 3	/* x86_64, i386, x32: the order of recording.ABIs */
#define ABI_X86_64 0
#define ABI_I386 1
#define ABI_X32 2
#define MAX_NR 1024	/* per ABI; x32's highest is 547, the others' < 500 */

#define X32_SYSCALL_BIT 0x40000000
#define TS_COMPAT 0x0002 /* thread_info.status: this syscall came in through IA32 emulation */
#define NR_EXECVE_X86_64 59
#define SECCOMP_MODE_FILTER 2

/* Losses, indexes into the losses map. */
#define LOSS_PROCS_FULL 0
#define LOSS_NR_RANGE 1
#define LOSS_EXEC_EVENTS 2
#define LOSS_ARGS_FULL 3
#define NR_LOSSES 4

/* A tracked process is PENDING from its fork by seccompgen until it execs
 * the workload, then ACTIVE. While pending only that execve counts: what
 * seccompgen's own code does in the child before it is not the workload's.
 * With filtered_only, an ACTIVE process that execs under a seccomp filter
 * becomes DONE: it counts nothing more, and its children are not tracked. */
#define STATE_PENDING 1
#define STATE_ACTIVE 2
#define STATE_DONE 3

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

#define NR_SOCKET_X86_64 41
#define NR_CLONE_X86_64 56
#define NR_PERSONALITY_X86_64 135
/* clone's namespace-creating flags: the only bits of its flags pinned. */
#define CLONE_NS_MASK (0x00020000ULL | 0x02000000ULL | 0x04000000ULL | 0x08000000ULL | \
		       0x10000000ULL | 0x20000000ULL | 0x40000000ULL | 0x00000080ULL)

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
	/* The process's id in seccompgen's pid namespace: the one seccompgen
	 * can signal (the key is the host's). */
	__u32 nspid;
};

struct stat {
	__u64 count;
	__u64 first_ns;
	__u32 first_pid;
	__u32 first_tid;
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

/* seccompgen's pid namespace (dev and inode of /proc/self/ns/pid), set at
 * load. seccompgen knows its thread and children by their ids in it, which
 * inside a container or `unshare -p` are not the host's the kernel uses. */
volatile const __u64 pidns_dev = 0;
volatile const __u64 pidns_ino = 0;

/* The level of that namespace (0: the host's), learnt at the armed fork:
 * every process of the tree has an id at that level. */
__u32 pidns_level = 0;

/* The id pid has at pid namespace level `level`. */
static __always_inline __u32 pid_nr_at(struct pid *pid, __u32 level)
{
	struct upid up = {};
	bpf_probe_read_kernel(&up, sizeof(up),
			      (void *)pid + bpf_core_field_offset(struct pid, numbers) +
				      (__u64)level * bpf_core_type_size(struct upid));
	return up.nr;
}

/* A thread about to fork the workload. Every process it forks while armed
 * is tracked (PENDING): the Go runtime may fork a probe child first (its
 * CLONE_PIDFD check), so the arm cannot be one-shot. last_child lets the
 * loader check that the workload was among them. */
struct spawn {
	__u32 skip_execs; /* for the children */
	__u32 last_child; /* its id in seccompgen's pid namespace */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32); /* tid in seccompgen's pid namespace */
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
		s->first_tid = task->pid;
		bpf_get_current_comm(s->first_comm, sizeof(s->first_comm));
	}
	s->count++;
	if (record_args && abi == ABI_X86_64 &&
	    (nr == NR_SOCKET_X86_64 || nr == NR_CLONE_X86_64 || nr == NR_PERSONALITY_X86_64)) {
		__u64 a0 = regs->di;
		if (nr == NR_CLONE_X86_64)
			a0 &= CLONE_NS_MASK;
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
		np.nspid = pid_nr_at(BPF_CORE_READ(child, thread_pid), pidns_level);
	} else {
		/* The fork runs in the parent's context: ask for its thread id
		 * in seccompgen's namespace (an error: it is not in that one, so
		 * not the armed thread). */
		struct bpf_pidns_info ns = {};
		if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
			return 0;
		__u32 ptid = ns.pid;
		struct spawn *sp = bpf_map_lookup_elem(&spawners, &ptid);
		if (!sp)
			return 0;
		pidns_level = BPF_CORE_READ(parent, thread_pid, level);
		np.state = STATE_PENDING;
		np.skip_execs = sp->skip_execs;
		np.nspid = pid_nr_at(BPF_CORE_READ(child, thread_pid), pidns_level);
		sp->last_child = np.nspid;
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
