#!/bin/sh
# A pipeline of ordinary tools: many processes, fork and exec chains, pipes,
# a subshell and a command substitution.
set -e
printf 'banana\napple\ncherry\napple\n' | sort | uniq -c | sort -rn | head -n 2 | tr a-z A-Z
echo "words: $(echo one two three | wc -w)"
(cd /etc && ls | grep -c . >/dev/null)
sed -n 's/^root:.*/root found/p' /etc/passwd | head -n 1
