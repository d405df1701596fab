#!/usr/bin/env bash
# Fills the fuzz corpora (BUILD/corpus/<target>/) with seeds cut from real files: the built-in task
# YAMLs (with the file they include after a NUL), their Jinja templates over a real document, the
# first lines of the JSONL/CSV/TSV data (tests/data, ../shared/data when present), small slices of
# its JSON files, the per CSV examples of docs/per.md, the results.json documents of the test store,
# and chat templates of any GGUF under models/. The corpus is generated, never committed.
#   fuzz/make-corpus.sh [BUILD_DIR]      (default build-fuzz; needs BUILD_DIR/bin/rightsize-fuzz-seeds)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build-fuzz}" && pwd)
corpus=$build/corpus
data=$src/../shared/data
seeds=$build/bin/rightsize-fuzz-seeds
targets=(task_yaml jinja jsonl json csv tsv per_csv results sse openai_reply serve_request)
for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done

# A seed's name: its source path with / as _, so re-running overwrites rather than duplicates.
seed_name() { local p=${1#"$src"/}; p=${p#../}; echo "${p//\//_}"; }
# The first N lines of a file, at most 4 KiB.
head_of() { head -n "$2" "$1" | head -c 4096 || true; }  # head -c may close the pipe early

# Task YAML: the include: (if any) renamed inc.yaml and appended after a NUL, as fuzz_task_yaml reads it.
while IFS= read -r -d '' y; do
  inc=$(sed -n 's/^include: *//p' "$y" | tr -d "\"'" | head -n 1)
  out=$corpus/task_yaml/$(seed_name "$y")
  if [ -n "$inc" ] && [ -f "$(dirname "$y")/$inc" ]; then
    { sed 's/^include: .*/include: inc.yaml/' "$y"; printf '\0'; cat "$(dirname "$y")/$inc"; } > "$out"
  else
    cp "$y" "$out"
  fi
done < <(find "$src/tasks" -name '*.yaml' -print0)

# Delimited and line data: the header and a few rows of each file.
data_files() { find "$src/tests/data" "$src/tasks" ${data:+"$data"} -name "*.$1" -print0 2>/dev/null; }
while IFS= read -r -d '' f; do head_of "$f" 5 > "$corpus/jsonl/$(seed_name "$f")"; done < <(data_files jsonl)
while IFS= read -r -d '' f; do head_of "$f" 6 > "$corpus/csv/$(seed_name "$f")"; done < <(data_files csv)
while IFS= read -r -d '' f; do head_of "$f" 6 > "$corpus/tsv/$(seed_name "$f")"; done < <(data_files tsv)

# JSON: each file cut down to its shape (lists to 3 items, strings to 200 characters), still valid.
while IFS= read -r -d '' f; do
  python3 - "$f" > "$corpus/json/$(seed_name "$f")" <<'PY'
import json, sys
def cut(v):
    if isinstance(v, list): return [cut(x) for x in v[:3]]
    if isinstance(v, dict): return {k: cut(x) for k, x in list(v.items())[:20]}
    if isinstance(v, str): return v[:200]
    return v
print(json.dumps(cut(json.load(open(sys.argv[1], encoding="utf-8"))), ensure_ascii=False))
PY
done < <(data_files json)
# The JSON documents of JSONL files, as lists: the other shape parse_json_documents takes (from the
# sources, not the corpus folder, which grows with every run).
while IFS= read -r -d '' f; do
  out=$corpus/json/list-$(seed_name "$f").json
  head_of "$f" 3 | python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in sys.stdin if l.strip()]))' \
    > "$out" 2>/dev/null || rm -f "$out"
done < <(data_files jsonl)

# per CSV: the examples of docs/per.md (the fenced blocks whose first line is a header with task,model).
awk -v out="$corpus/per_csv/docs-per-" '
  /^```/ { if (inblock) { close(file); inblock = 0 } else { start = 1 } ; next }
  start { start = 0; if ($0 ~ /^task,model/) { n++; file = out n ".csv"; inblock = 1 } }
  inblock { print > file }' "$src/docs/per.md"
cp "$corpus"/csv/*sentiment_example* "$corpus/per_csv/" 2>/dev/null || true

# Jinja: every template of the built-in tasks over its first document; results.json: the test store.
"$seeds" jinja "$src/tasks" "$data" "$corpus/jinja" > /dev/null
# (a copy of the store: SQLite leaves -wal/-shm files beside a store it opens)
store=$(mktemp -d)
trap 'rm -rf "$store"' EXIT
cp "$src/tests/data/store_v1/rightsize.sqlite" "$store/"
"$seeds" results "$store/rightsize.sqlite" "$corpus/results" > /dev/null

# GGUF chat templates (tokenizer.chat_template) over a conversation, when models are downloaded.
for g in "$src"/models/*.gguf; do
  [ -f "$g" ] || continue
  python3 - "$g" > "$corpus/jinja/chat-$(basename "$g" .gguf)" <<'PY' || rm -f "$corpus/jinja/chat-$(basename "$g" .gguf)"
import struct, sys
key = b"tokenizer.chat_template"
with open(sys.argv[1], "rb") as f:
    head = f.read(64 << 20)  # the metadata precedes the tensors
at = head.find(struct.pack("<Q", len(key)) + key)
if at < 0: sys.exit(1)
at += 8 + len(key)
kind, size = struct.unpack_from("<IQ", head, at)
if kind != 8: sys.exit(1)  # GGUF_TYPE_STRING
conversation = '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, ' \
               '{"role": "assistant", "content": "Hello."}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"}'
sys.stdout.buffer.write(head[at + 12:at + 12 + size] + b"\0" + conversation.encode())
PY
done

# OpenAI-compatible replies in the shapes llama-server and vLLM send (written from their documented
# formats): whole bodies for openai_reply, streams for sse (whose first byte picks chat and the cut).
reply() { printf '%s' "$2" > "$corpus/openai_reply/$1.json"; }
reply completion '{"id":"c1","object":"text_completion","choices":[{"index":0,"text":" Paris.","finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10},"timings":{"prompt_ms":4.1,"predicted_ms":9.8}}'
reply chat '{"choices":[{"index":0,"message":{"role":"assistant","content":"Hello."},"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}'
reply echo '{"choices":[{"index":0,"text":"The sky is blue","finish_reason":"length","logprobs":{"tokens":["The"," sky"," is"," blue"],"token_logprobs":[null,-4.25,-1.5,-0.75],"top_logprobs":[null,{" sky":-4.25," sun":-2.0},{" is":-1.5},{" blue":-0.75," grey":-1.25}],"text_offset":[0,3,7,10]}}]}'
reply next-token-llama-server '{"choices":[{"text":" Yes","index":0,"logprobs":{"content":[{"id":9230,"token":" Yes","bytes":[32,89,101,115],"logprob":-1.96,"top_logprobs":[{"id":9230,"token":" Yes","bytes":[32,89,101,115],"logprob":-1.96},{"id":2838,"token":" No","bytes":[32,78,111],"logprob":-2.29}]}]},"finish_reason":"length"}]}'
reply next-token-legacy '{"choices":[{"text":" A","index":0,"logprobs":{"tokens":[" A"],"token_logprobs":[-0.4],"top_logprobs":[{" A":-0.4," B":-1.6," C":-2.9}]},"finish_reason":"length"}]}'
reply prompt-logprobs-vllm '{"choices":[{"index":0,"text":"","finish_reason":"length","prompt_logprobs":[null,{"504":{"logprob":-3.5,"rank":4,"decoded_token":" sky"},"11":{"logprob":-1.2,"rank":1,"decoded_token":","}},{"314":{"logprob":-0.25,"rank":1,"decoded_token":" is"}}]}]}'
reply error '{"error":{"message":"the request exceeds the available context size","type":"invalid_request_error","param":"prompt","code":400}}'
reply models-llama-server '{"object":"list","data":[{"id":"smollm2","object":"model","owned_by":"llamacpp","meta":{"vocab_type":2,"n_vocab":49152,"n_ctx_train":8192,"n_embd":576,"n_params":134515008,"size":90112000}}]}'
reply models-vllm '{"object":"list","data":[{"id":"Qwen/Qwen2.5-7B-Instruct","object":"model","owned_by":"vllm","max_model_len":32768},{"id":"lora-a","object":"model"}]}'
reply tokenize '{"tokens":[1,504,3822,314,2436],"count":5,"max_model_len":8192}'
reply detokenize '{"content":" Paris is"}'
reply apply-template '{"prompt":"<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"}'
stream() { { printf "$2"; printf '%s' "$3"; } > "$corpus/sse/$1"; }
stream completion '\004' $'data: {"choices":[{"index":0,"text":" Par","finish_reason":null}]}\n\ndata: {"choices":[{"index":0,"text":"is.","finish_reason":"stop"}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}\n\ndata: [DONE]\n\n'
stream chat-crlf '\011' $'data: {"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}\r\n\r\n: keep-alive\r\n\r\ndata: {"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}\r\n\r\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\r\n\r\ndata: [DONE]\r\n\r\n'
stream multiline '\002' $'event: message\nid: 7\ndata: {"choices":[{"index":0,\ndata: "text":"a","finish_reason":"stop"}]}\n\n'
stream cut '\006' $'data: {"choices":[{"index":0,"text":"half"'

# rightsize serve's request bodies as lm-eval, OpenAI's clients and llama-server's send them; the
# first byte picks the route (0 completions, 1 chat, 2 /tokenize, 3 /detokenize).
body() { { printf "$2"; printf '%s' "$3"; } > "$corpus/serve_request/$1"; }
body lm-eval-loglikelihood '\000' '{"model":"smollm2","prompt":[[504,3575,282,4649,314],[504,3575,282,1345]],"temperature":0,"max_tokens":1,"logprobs":1,"seed":1234,"echo":true}'
body lm-eval-generate '\000' '{"prompt":[[19556,905]],"model":"smollm2","max_tokens":256,"temperature":0,"stop":["Question:","</s>","<|im_end|>"],"seed":1234}'
body completion-stream '\000' '{"prompt":"Once upon a time","max_tokens":16,"stream":true,"stream_options":{"include_usage":true},"top_p":0.9,"top_k":40,"n":1,"ignore_eos":false,"truncate_prompt_tokens":100}'
body echo-zero '\000' '{"prompt":["a b c","d e"],"echo":true,"max_tokens":0,"logprobs":5}'
body chat '\001' '{"model":"smollm2","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hi"}]}],"max_completion_tokens":8,"logprobs":true,"top_logprobs":2,"stream":true}'
body tokenize-vllm '\002' '{"model":"smollm2","prompt":"Hello world","add_special_tokens":false}'
body tokenize-llama-server '\002' '{"content":"Hello world","add_special":true,"parse_special":false}'
body tokenize-chat '\002' '{"messages":[{"role":"user","content":"hi"}],"add_generation_prompt":true}'
body detokenize '\003' '{"tokens":[19556,905]}'

for t in "${targets[@]}"; do printf '%-10s %5d inputs\n' "$t" "$(find "$corpus/$t" -type f | wc -l)"; done
