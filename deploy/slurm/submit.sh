#!/bin/sh
# Submits the shards as one array and the merge after them:
#   RS_MODELS=a.gguf,b.gguf RS_OUT=/shared/out deploy/slurm/submit.sh 8
# (8 shards; the environment reaches both jobs through sbatch's default --export=ALL).
set -eu
n=${1:-3}
here=$(dirname "$0")
array=$(sbatch --parsable --array="0-$((n - 1))" "$here/rightsize-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" "$here/merge.sbatch")
echo "shards: job $array (array 0-$((n - 1))); merge: job ${merge%%;*} when they have all finished"
