#!/usr/bin/env bash
# The same work as `octofleet-bench fanout`, done the agentless way: `ansible all -m shell -a true` over SSH to N
# hosts, all of them a private sshd on 127.0.0.1 (one host per inventory name, so N connections and N logins).
#
# Usage: bench/ansible-ssh.sh [--runs R] [--out FILE.json] N...      (default: N = 10 100, R = 3)
# Needs: ansible-core, openssh-server (apt-get install -y openssh-server); the system sshd is neither touched nor
# started: this script runs its own sshd in the foreground on a free high port with its own host key, config and
# authorized_keys in a temporary directory, and stops it on exit.
# For each N it times (a) Ansible's default forks (5) and (b) --forks N (at most 100); prints the median of R runs
# and the failures, and with --out writes JSON.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=3
OUT=""
SIZES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) SIZES+=("$1"); shift ;;
  esac
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10 100)

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || { echo "no sshd: apt-get install -y openssh-server" >&2; exit 1; }
command -v ansible >/dev/null || { echo "no ansible: apt-get install -y ansible-core" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/octofleet-ansible-ssh.XXXXXX")
SSHD_PID=""
cleanup() {
  if [ -n "$SSHD_PID" ]; then kill "$SSHD_PID" 2>/dev/null || true; wait "$SSHD_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
USER_NAME=$(id -un)
ssh-keygen -q -t ed25519 -N '' -f "$WORK/host_key" -C bench-host
ssh-keygen -q -t ed25519 -N '' -f "$WORK/client_key" -C bench-client
cp "$WORK/client_key.pub" "$WORK/authorized_keys"
chmod 600 "$WORK/authorized_keys"
# sshd insists on a privilege-separation directory when run as root; Debian's package creates it at boot only.
if [ "$(id -u)" -eq 0 ]; then mkdir -p /run/sshd && chmod 755 /run/sshd; fi

# MaxStartups: unauthenticated connections at once (default 10:30:100 starts dropping at 10, which would refuse
# part of a 100-fork run). MaxSessions is per connection, so 10 is plenty; each host gets its own connection.
cat >"$WORK/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $WORK/host_key
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $USER_NAME
StrictModes no
UsePAM no
MaxStartups 200
MaxSessions 10
LoginGraceTime 60
UseDNS no
LogLevel ERROR
EOF
"$SSHD" -t -f "$WORK/sshd_config"
"$SSHD" -D -e -f "$WORK/sshd_config" 2>"$WORK/sshd.log" &
SSHD_PID=$!
for _ in $(seq 1 100); do
  if ssh -p "$PORT" -i "$WORK/client_key" -o BatchMode=yes -o StrictHostKeyChecking=no \
       -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$USER_NAME@127.0.0.1" true 2>/dev/null; then break; fi
  kill -0 "$SSHD_PID" 2>/dev/null || { echo "sshd died: $(cat "$WORK/sshd.log")" >&2; exit 1; }
  sleep 0.1
done

export ANSIBLE_HOME="$WORK/ansible-home"
export ANSIBLE_LOCAL_TEMP="$WORK/ansible-local-tmp"
export ANSIBLE_REMOTE_TEMP="$WORK/ansible-remote-tmp"
export ANSIBLE_HOST_KEY_CHECKING=False
export ANSIBLE_NOCOLOR=1
export ANSIBLE_RETRY_FILES_ENABLED=False
# Ansible's defaults otherwise: ssh connection plugin with ControlPersist, no pipelining, the implicit 'python3'.
cat >"$WORK/ansible.cfg" <<EOF
[defaults]
host_key_checking = False
interpreter_python = /usr/bin/python3
EOF
export ANSIBLE_CONFIG="$WORK/ansible.cfg"

now_ms() { date +%s%3N; }
median() { python3 -c 'import sys,statistics; print(int(statistics.median(int(x) for x in sys.argv[1:])))' "$@"; }

RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
for n in "${SIZES[@]}"; do
  inventory="$WORK/inventory-$n.ini"
  {
    echo "[sims]"
    # Ansible names its ControlPersist socket after host, port and user, which all N inventory hosts share here;
    # one control directory per inventory host gives each its own SSH connection, as N real hosts would have.
    for i in $(seq 1 "$n"); do
      host=$(printf 'sim-%03d' "$i")
      echo "$host ansible_host=127.0.0.1 ansible_port=$PORT ansible_user=$USER_NAME ansible_control_path_dir=$WORK/cp/$host"
    done
    echo
    echo "[sims:vars]"
    echo "ansible_ssh_private_key_file=$WORK/client_key"
    echo "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'"
  } >"$inventory"
  maxforks=$(( n < 100 ? n : 100 ))
  for forks in 5 "$maxforks"; do
    times=(); failures=()
    for run in $(seq 1 "$RUNS"); do
      rm -rf "$ANSIBLE_LOCAL_TEMP" "$ANSIBLE_REMOTE_TEMP"
      log="$WORK/ansible-$n-$forks-$run.log"
      t0=$(now_ms)
      set +e
      ansible all -i "$inventory" -m shell -a true --forks "$forks" -o >"$log" 2>&1
      rc=$?
      set -e
      t1=$(now_ms)
      # Masters still open at the end; ControlPersist closes those idle for 60 s, so on long runs this is below N.
      masters=$(find "$WORK/cp" -type s 2>/dev/null | wc -l)
      # Close the ControlPersist masters (Ansible keeps them 60 s), so every run starts with no SSH connection.
      find "$WORK/cp" -type s 2>/dev/null | xargs -r -P 20 -I{} ssh -o ControlPath={} -O exit dummy >/dev/null 2>&1 || true
      ok=$(grep -c ' | CHANGED ' "$log" || true)
      times+=($(( t1 - t0 )))
      failures+=($(( n - ok )))
      echo "[ansible n=$n forks=$forks run $run] $(( t1 - t0 )) ms, rc $rc, $ok/$n changed, $masters SSH masters still open," \
        "load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
      if [ "$ok" -ne "$n" ]; then grep -v ' | CHANGED ' "$log" | head -5 >&2 || true; fi
    done
    python3 - "$n" "$forks" "${#times[@]}" "${times[@]}" "${failures[@]}" >>"$RESULTS" <<'EOF'
import json, statistics, sys
n, forks, k = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
times = [int(x) for x in sys.argv[4:4 + k]]
failures = [int(x) for x in sys.argv[4 + k:4 + 2 * k]]
print(json.dumps({"hosts": n, "forks": forks, "medianMs": int(statistics.median(times)), "runsMs": times,
                  "failedHosts": failures}))
EOF
  done
done

printf '%6s %6s %10s %-24s %s\n' hosts forks median_ms "each_ms" failed_hosts
python3 - "$RESULTS" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['hosts']:6d} {r['forks']:6d} {r['medianMs']:10d} {','.join(map(str, r['runsMs'])):<24} "
          f"{','.join(map(str, r['failedHosts']))}")
EOF
if [ -n "$OUT" ]; then
  python3 - "$RESULTS" "$OUT" "$(ansible --version | head -1)" "$(ssh -V 2>&1)" <<'EOF'
import datetime, json, os, sys
results = [json.loads(l) for l in open(sys.argv[1])]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
json.dump({"benchmark": "ansible-ssh", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
           "machine": {"cpuModel": cpu, "cpus": os.cpu_count()}, "ansible": sys.argv[3], "ssh": sys.argv[4],
           "command": "ansible all -i INVENTORY -m shell -a true --forks F -o", "results": results},
          open(sys.argv[2], "w"), indent=2)
print(f"wrote {sys.argv[2]}", file=sys.stderr)
EOF
fi
