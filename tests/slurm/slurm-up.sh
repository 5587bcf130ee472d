#!/usr/bin/env bash
# Bring up a single-node Slurm cluster on localhost (Debian 12, root, no systemd, no cgroups).
# Usage: ACCOUNTING=1 bash slurm-up.sh   (ACCOUNTING=1 adds MariaDB + slurmdbd so `sacct` works)
# MIN_JOB_AGE=N: seconds a finished job stays in squeue (default 300, Slurm's default); the
# tests use a few seconds, so the driver must learn how tasks ended from sacct or the tasks'
# own exit records, as on a busy cluster.
# Copied from ../shared/reference/slurm (measured recipe); the daemons are restarted when the
# configuration changed (switching accounting on or off).
set -euo pipefail
ACCOUNTING="${ACCOUNTING:-0}"
MIN_JOB_AGE="${MIN_JOB_AGE:-300}"
t0=$(date +%s)

pkgs="munge slurmctld slurmd slurm-client"
[ "$ACCOUNTING" = 1 ] && pkgs="$pkgs slurmdbd mariadb-server"
if ! dpkg -s $pkgs >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
fi

# munge: the Debian postinst normally creates /etc/munge/munge.key; create one if absent.
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
fi
chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  su -s /bin/sh munge -c /usr/sbin/munged
  for _ in $(seq 1 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.25; done
fi

install -d -o slurm -g slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm

CPUS=$(nproc)
MEM_MB=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
if [ "$ACCOUNTING" = 1 ]; then
  ACCT="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
JobAcctGatherType=jobacct_gather/linux"
else
  ACCT="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi

# Four fake GPUs for the [resources] tests: GRES backed by terminal devices (as Slurm's own
# test suite does), so Slurm allocates them and sets CUDA_VISIBLE_DEVICES per task.
GRES_TYPES=""
NODE_GRES=""
if [ -c /dev/tty0 ] && [ -c /dev/tty3 ]; then
  echo "Name=gpu File=/dev/tty[0-3]" > /etc/slurm/gres.conf
  GRES_TYPES="GresTypes=gpu"
  NODE_GRES="Gres=gpu:4"
fi

old_conf=$(cat /etc/slurm/slurm.conf 2>/dev/null || true)
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=localcluster
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
MpiDefault=none
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
# Start work as soon as a task ends. Measured here (2 CPUs, Slurm 22.05, 1-second tasks):
# default settings ran a 1,000-task array at ~0.75 tasks/s (1,340 s); these settings ~2 tasks/s.
# A test of a real array should stay at a few dozen tasks either way.
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0,sched_interval=2,default_queue_depth=1000
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
ReturnToService=2
MaxArraySize=10001
MinJobAge=$MIN_JOB_AGE
$GRES_TYPES
$ACCT
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB $NODE_GRES State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

if [ "$ACCOUNTING" = 1 ]; then
  if ! mysqladmin ping >/dev/null 2>&1; then /etc/init.d/mariadb start >/dev/null; fi
  mysql -u root -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db;
    CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmdbpass';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
  cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=slurm
PidFile=/run/slurmdbd.pid
LogFile=/var/log/slurm/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurmdbpass
StorageLoc=slurm_acct_db
CONF
  chown slurm:slurm /etc/slurm/slurmdbd.conf; chmod 600 /etc/slurm/slurmdbd.conf
  [ -s /run/slurmdbd.pid ] && kill -0 "$(cat /run/slurmdbd.pid)" 2>/dev/null || /usr/sbin/slurmdbd
  # first start creates the tables (~20 s on 2 cores)
  for _ in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/6819) 2>/dev/null && break; sleep 0.5; done
fi

if [ "$old_conf" != "$(cat /etc/slurm/slurm.conf)" ]; then
  # A changed configuration needs fresh daemons.
  for f in /run/slurmd.pid /run/slurmctld.pid; do
    if [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
      pid=$(cat "$f"); kill -TERM "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
fi
[ -s /run/slurmctld.pid ] && kill -0 "$(cat /run/slurmctld.pid)" 2>/dev/null || /usr/sbin/slurmctld
[ -s /run/slurmd.pid ] && kill -0 "$(cat /run/slurmd.pid)" 2>/dev/null || /usr/sbin/slurmd -N localhost

for _ in $(seq 1 120); do
  sinfo -h -n localhost -o %T 2>/dev/null | grep -qx idle && break; sleep 0.5
done
sinfo
echo "slurm-up: ready in $(( $(date +%s) - t0 )) s"
