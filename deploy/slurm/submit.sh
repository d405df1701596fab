#!/bin/sh
# Submits the shards as one array and the merge after them:
#   RS_MODELS=a.gguf,b.gguf RS_OUT=/shared/out deploy/slurm/submit.sh 8
# (8 shards; the environment reaches both jobs through sbatch's default --export=ALL).
# RS_SBATCH_ARGS: more sbatch options for both jobs (e.g. --partition=cpu --cpus-per-task=16); they
# override the scripts' #SBATCH lines.
set -eu
n=${1:-3}
here=$(dirname "$0")
# shellcheck disable=SC2086  # RS_SBATCH_ARGS is a list of options
array=$(sbatch --parsable ${RS_SBATCH_ARGS:-} --array="0-$((n - 1))" "$here/rightsize-array.sbatch")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${RS_SBATCH_ARGS:-} --dependency="afterok:$array" "$here/merge.sbatch")
echo "shards: job $array (array 0-$((n - 1))); merge: job ${merge%%;*} when they have all finished"
