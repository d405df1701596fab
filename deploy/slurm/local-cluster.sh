#!/bin/bash
# A one-node Slurm cluster on this machine (slurmctld + slurmd on localhost, munge), for trying the
# recipes and for the tests: Debian's slurm-wlm and munge, run as root, state under DIR.
#
#   deploy/slurm/local-cluster.sh start DIR   # prints the SLURM_CONF to export
#   SLURM_CONF=DIR/slurm.conf sbatch …
#   deploy/slurm/local-cluster.sh stop DIR
set -euo pipefail
cmd=${1:?usage: local-cluster.sh start|stop DIR}
dir=$(mkdir -p "${2:?usage: local-cluster.sh start|stop DIR}" && cd "$2" && pwd)

stop() {
    for p in slurmd slurmctld munged; do
        [ -f "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
    done
    sleep 1
}

if [ "$cmd" = stop ]; then
    stop
    exit 0
fi

for tool in munged slurmctld slurmd sbatch; do
    command -v "$tool" >/dev/null || { echo "local-cluster.sh: $tool not found; install Debian's slurm-wlm and munge" >&2; exit 1; }
done
mkdir -p "$dir/munge" "$dir/ctld" "$dir/spool" "$dir/log"
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
cat >"$dir/slurm.conf" <<CONF
ClusterName=rightsize-local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldPort=$(( 20000 + RANDOM % 20000 ))
SlurmdPort=$(( 40001 + RANDOM % 20000 ))
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
MpiDefault=none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
# munge: its own socket and key under DIR (the system's key when there is one).
key=$dir/munge/munge.key
if [ -r /etc/munge/munge.key ]; then cp /etc/munge/munge.key "$key"; else dd if=/dev/urandom of="$key" bs=1024 count=1 2>/dev/null; fi
chmod 400 "$key"
chmod 700 "$dir/munge"
munged --force --key-file="$key" --socket="$dir/munge/munge.socket" --pid-file="$dir/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 1 60); do
    if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
        echo "SLURM_CONF=$SLURM_CONF"
        exit 0
    fi
    sleep 1
done
echo "local-cluster.sh: the node did not come up; logs in $dir/log" >&2
sinfo >&2 || true
tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
stop
exit 1
