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
enum loss {
	LOSS_PROCS_FULL,
	LOSS_NR_RANGE,
	LOSS_EXEC_EVENTS,
	LOSS_ARGS_FULL,
	LOSS_LIBS_FULL,
	LOSS_LIB_EVENTS,
	NR_LOSSES
};
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

/* Set at load (Config.Args): also record the arguments of the syscalls
 * of recording.PinnedArgs. A constant, so with it off the verifier drops
 * the branch. */
volatile const __u32 record_args = 0;

/* Argument pinning. MAX_PIN_SLOTS bounds the (ABI, syscall, argument)
 * triples recorded; ARG_VALUES_MAX the distinct values kept of each: a
 * value beyond it is counted in its argsets entry (dropped), and
 * userspace leaves that argument free. A seccomp rule per value
 * costs filter instructions, and an ioctl request set of a terminal
 * program is a few dozen, so 64. PINS_PER_SYSCALL: arguments of one
 * syscall (socket's domain and type). */
enum argpin { MAX_PIN_SLOTS = 64, ARG_VALUES_MAX = 64, PINS_PER_SYSCALL = 2 };
const enum argpin *unused_argpin __attribute__((unused));

/* One pinned argument: key is abi * MAX_NR + nr, as in stats. Slots of
 * one syscall are adjacent. */
struct pinslot {
	__u32 key;
	__u32 idx;  /* 0..5 */
	__u64 mask; /* 0: the whole value */
};

/* Set at load from recording.PinnedArgs (tracer.pinTables): pin_first
 * is 1 + the first slot of (abi, nr), 0 for a syscall nothing pins; the
 * hot path pays one load of it per syscall, only pinned ones more. */
volatile const __u8 pin_first[NR_ABIS * MAX_NR] = {};
volatile const struct pinslot pins[MAX_PIN_SLOTS] = {};

/* Per slot: distinct values inserted into argvals, and calls whose value
 * was not recorded because ARG_VALUES_MAX were already. */
struct argset {
	__u64 distinct;
	__u64 dropped;
};

struct argkey {
	__u32 nr;
	__u16 idx;
	__u16 abi;
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
	char first_comm[16];
};

#define NR_MMAP_X86_64 9	/* x32's too, under X32_SYSCALL_BIT */
#define NR_MMAP2_I386 192
#define PROT_EXEC 0x4
#define MAP_ANONYMOUS 0x20

/* A file as the kernel has it: its path is rebuilt from the dentry and
 * mount chain (what d_path does; tp_btf programs cannot call bpf_d_path),
 * relative to the process's root, so it names the file in the process's
 * mount namespace and chroot. */
#define PATH_BUF 4096	/* a power of two: offsets are masked with it */
#define NAME_BUF 256	/* NAME_MAX + 1 */
#define MAX_COMPONENTS 64
enum event_flag {
	PATH_TRUNCATED = 1,	/* deeper or longer than the buffer: the names near the root are missing */
	PATH_DETACHED = 2,	/* not under the process's root: from its mount tree's root */
	EXEC_INTERPRETED = 4,	/* exec: name is a script; the file is its interpreter */
};
const enum event_flag *unused_event_flag __attribute__((unused));

enum event_kind { EVENT_EXEC = 1, EVENT_LIB = 2 };
const enum event_kind *unused_event_kind __attribute__((unused));

/* Ring buffer record: an exec, or a file first mapped executable. */
struct file_event {
	__u32 kind;	/* EVENT_* */
	__u32 pid;	/* the process, in seccompgen's pid namespace (procs.nspid) */
	__u64 ino;
	__u32 dev;
	__u32 flags;	/* PATH_*, EXEC_* */
	__u32 path_len;	/* bytes of path used */
	__s32 fd;	/* lib: the descriptor mapped; exec: -1 */
	char name[256];	/* exec: the name execve was given */
	/* The path's names, leaf first, each NUL-terminated. */
	char path[PATH_BUF + NAME_BUF];
};

/* Emitted into BTF so bpf2go generates the Go type of ring buffer records. */
const struct file_event *unused_file_event __attribute__((unused));

struct file_id {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

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

/* Distinct (ABI, syscall, argument, value) seen with record_args, and
 * how often. Sized MAX_PIN_SLOTS * ARG_VALUES_MAX, so it fills only if
 * argsets' bound failed; that is counted in losses (LOSS_ARGS_FULL), and
 * userspace then pins nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PIN_SLOTS * ARG_VALUES_MAX);
	__type(key, struct argkey);
	__type(value, __u64);
} argvals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PIN_SLOTS);
	__type(key, __u32);
	__type(value, struct argset);
} argsets SEC(".maps");

/* Files already reported mapped executable: each is reported once. A
 * full map is counted in losses (LOSS_LIBS_FULL). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct file_id);
	__type(value, __u8);
} libs_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} execs SEC(".maps");

static __always_inline void lose(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&losses, &what);
	if (n)
		(*n)++;
}

/* count_arg counts value for pin slot, inserting it when new unless the
 * slot has ARG_VALUES_MAX values already. Two CPUs inserting at once
 * may pass the bound by one each: harmless, every value is still kept. */
static __always_inline void count_arg(__u32 slot, __u32 abi, __u32 nr, __u32 idx, __u64 value)
{
	struct argkey k = { .nr = nr, .idx = idx, .abi = abi, .value = value };
	__u64 one = 1;
	__u64 *n = bpf_map_lookup_elem(&argvals, &k);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	struct argset *set = bpf_map_lookup_elem(&argsets, &slot);
	if (!set)
		return;
	if (set->distinct >= ARG_VALUES_MAX) {
		__sync_fetch_and_add(&set->dropped, 1);
		return;
	}
	if (!bpf_map_update_elem(&argvals, &k, &one, BPF_NOEXIST)) {
		__sync_fetch_and_add(&set->distinct, 1);
		return;
	}
	/* Another CPU may have inserted the key meanwhile; else the map is full. */
	n = bpf_map_lookup_elem(&argvals, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		lose(LOSS_ARGS_FULL);
}

/* arg_reg is argument idx as seccomp sees it: x86_64's registers, or
 * IA32 emulation's, whose arguments are 32 bits. */
static __always_inline __u64 arg_reg(struct pt_regs *regs, __u32 abi, __u32 idx)
{
	if (abi == ABI_I386) {
		switch (idx) {
		case 0: return (__u32)regs->bx;
		case 1: return (__u32)regs->cx;
		case 2: return (__u32)regs->dx;
		case 3: return (__u32)regs->si;
		case 4: return (__u32)regs->di;
		default: return (__u32)regs->bp;
		}
	}
	switch (idx) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}

/* record_pinned counts the pinned arguments of syscall key (abi * MAX_NR
 * + nr), if it has any. */
static __always_inline void record_pinned(struct pt_regs *regs, __u32 abi, __u32 nr, __u32 key)
{
	if (key >= NR_ABIS * MAX_NR)
		return;
	__u32 first = pin_first[key];
	if (!first)
		return;
	for (__u32 j = 0; j < PINS_PER_SYSCALL; j++) {
		__u32 slot = first - 1 + j;
		if (slot >= MAX_PIN_SLOTS || pins[slot].key != key)
			break;
		__u64 v = arg_reg(regs, abi, pins[slot].idx);
		__u64 mask = pins[slot].mask;
		if (mask)
			v &= mask;
		count_arg(slot, abi, nr, pins[slot].idx, v);
	}
}

/* fill_path writes file's path, relative to task's root, into e: a
 * bounded walk up the dentries to each mount's root, then across to the
 * mount point in the parent mount, as the kernel's prepend_path does. The
 * offset is masked on every step, so the verifier's states at the loop
 * head stay equal and it prunes them. */
static __always_inline void fill_path(struct task_struct *task, struct file *file, struct file_event *e)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *rootmnt = BPF_CORE_READ(task, fs, root.mnt);
	__u64 mnt_off = bpf_core_field_offset(struct mount, mnt);
	__u32 off = 0;
	int i;

	e->flags |= PATH_TRUNCATED; /* unless the walk ends at a root */
	for (i = 0; i < MAX_COMPONENTS; i++) {
		if (dentry == root && vfsmnt == rootmnt) {
			e->flags &= ~PATH_TRUNCATED;
			break;
		}
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		if (dentry == BPF_CORE_READ(vfsmnt, mnt_root) || dentry == parent) {
			struct mount *m = (void *)vfsmnt - mnt_off;
			struct mount *mp = BPF_CORE_READ(m, mnt_parent);
			if (mp == m || !mp) {
				e->flags = (e->flags & ~PATH_TRUNCATED) | PATH_DETACHED;
				break;
			}
			dentry = BPF_CORE_READ(m, mnt_mountpoint);
			vfsmnt = (void *)mp + mnt_off;
			continue;
		}
		if (off > PATH_BUF - NAME_BUF)
			break;
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		long n = bpf_probe_read_kernel_str(&e->path[off & (PATH_BUF - 1)], NAME_BUF, name);
		if (n <= 0)
			break;
		off = (off + (__u32)n) & (2 * PATH_BUF - 1);
		dentry = parent;
	}
	e->path_len = off < sizeof(e->path) ? off : 0;
}

/* mapped reports file, mapped executable by task, once per recording. */
static __always_inline void mapped(struct task_struct *task, __u32 tgid, __s32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = 0;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return;
	struct file_id id = {
		.ino = BPF_CORE_READ(file, f_inode, i_ino),
		.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev),
	};
	if (bpf_map_lookup_elem(&libs_seen, &id))
		return;
	__u8 one = 1;
	long err = bpf_map_update_elem(&libs_seen, &id, &one, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU was first */)
		return;
	if (err) {
		lose(LOSS_LIBS_FULL);
		return;
	}
	struct file_event *e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
	if (!e) {
		/* Forget it, so that a later mapping reports it after all. */
		bpf_map_delete_elem(&libs_seen, &id);
		lose(LOSS_LIB_EVENTS);
		return;
	}
	e->kind = EVENT_LIB;
	/* Userspace opens /proc/PID/...: the pid in seccompgen's namespace. */
	struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
	e->pid = p && p->nspid ? p->nspid : tgid;
	e->ino = id.ino;
	e->dev = id.dev;
	e->flags = 0;
	e->fd = fd;
	e->name[0] = 0;
	fill_path(task, file, e);
	bpf_ringbuf_submit(e, 0);
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
	if (record_args)
		record_pinned(regs, abi, (__u32)nr, key);
	/* A file mapped executable: a library (ld.so's or dlopen's). glibc
	 * maps the text segment with its own mmap(PROT_READ|PROT_EXEC, fd). */
	if (nr == NR_MMAP_X86_64 && abi != ABI_I386) {
		if ((regs->dx & PROT_EXEC) && !(regs->r10 & MAP_ANONYMOUS) && (__s32)regs->r8 >= 0)
			mapped(task, tgid, (__s32)regs->r8);
	} else if (nr == NR_MMAP2_I386 && abi == ABI_I386) {
		if ((regs->dx & PROT_EXEC) && !(regs->si & MAP_ANONYMOUS) && (__s32)regs->di >= 0)
			mapped(task, tgid, (__s32)regs->di);
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
	struct file_event *e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
	if (!e) {
		lose(LOSS_EXEC_EVENTS);
		return 0;
	}
	/* bprm->file is what the kernel mapped: for a script (or a
	 * binfmt_misc program) its interpreter, and then bprm->interp no
	 * longer points at bprm->filename. */
	struct file *file = BPF_CORE_READ(bprm, file);
	const char *filename = BPF_CORE_READ(bprm, filename);
	e->kind = EVENT_EXEC;
	e->pid = p->nspid ? p->nspid : tgid; /* userspace opens /proc/PID/... */
	e->ino = BPF_CORE_READ(file, f_inode, i_ino);
	e->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	e->flags = BPF_CORE_READ(bprm, interp) != filename ? EXEC_INTERPRETED : 0;
	e->fd = -1;
	bpf_probe_read_kernel_str(e->name, sizeof(e->name), filename);
	fill_path(task, file, e);
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
