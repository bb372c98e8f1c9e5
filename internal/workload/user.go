package workload

import (
	"fmt"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// LookupUser resolves USER[:GROUP] (names or numbers) into credentials and
// the environment a login as that user would have. The primary group is
// GROUP if given, else the user's; the supplementary groups are the groups
// that list the user as a member, without the user's own primary group.
func LookupUser(spec string) (*syscall.Credential, []string, error) {
	name, group, hasGroup := strings.Cut(spec, ":")
	u, err := user.Lookup(name)
	if err != nil {
		if _, nerr := strconv.Atoi(name); nerr != nil {
			return nil, nil, fmt.Errorf("--user %s: no such user", spec)
		}
		if u, err = user.LookupId(name); err != nil {
			// A bare number that is no account: allowed, as in runuser.
			u = &user.User{Uid: name, Gid: name, Username: name, HomeDir: "/"}
		}
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	if hasGroup {
		g, err := user.LookupGroup(group)
		if err != nil {
			if g, err = user.LookupGroupId(group); err != nil {
				if _, nerr := strconv.Atoi(group); nerr != nil {
					return nil, nil, fmt.Errorf("--user %s: no such group %q", spec, group)
				}
				g = &user.Group{Gid: group}
			}
		}
		gid, _ = strconv.ParseUint(g.Gid, 10, 32)
	}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	// Supplementary groups are the user's memberships in the group
	// database. The user's own primary group is not one: with :GROUP it is
	// replaced, as setpriv --regid GROUP --init-groups replaces it, and
	// must not stay behind as a supplementary group.
	own, _ := strconv.ParseUint(u.Gid, 10, 32)
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if n, err := strconv.ParseUint(id, 10, 32); err == nil && uint32(n) != cred.Gid && n != own {
				cred.Groups = append(cred.Groups, uint32(n))
			}
		}
	}
	env := []string{"HOME=" + u.HomeDir, "USER=" + u.Username, "LOGNAME=" + u.Username}
	return cred, env, nil
}

// WithEnv returns base with the variables of over replacing any of the same
// name.
func WithEnv(base, over []string) []string {
	drop := map[string]bool{}
	for _, kv := range over {
		k, _, _ := strings.Cut(kv, "=")
		drop[k] = true
	}
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, over...)
}
