# syntax=docker/dockerfile:1
# rwenas images, all from one build context and reproducible from package-lock.json (`npm ci`).
#
#   docker build --target operator      -t <registry>/rwenas/operator:0.1.0 .
#   docker build --target evaluator-cpu -t <registry>/rwenas/evaluator-cpu:0.1.0 .
#   docker build --target evaluator-gpu -t <registry>/rwenas/evaluator-gpu:0.1.0 .
#
# operator       the controller (`rwenas operator`), Node 20 slim, no native ML libraries.
# evaluator-cpu  `rwenas evaluate` on CPU nodes: ONNX Runtime (CPU) and tfjs-node.
# evaluator-gpu  `rwenas evaluate` on NVIDIA GPU nodes. @tensorflow/tfjs-node-gpu 4.22 loads
#                libtensorflow 2.9, built for CUDA 11.2 and cuDNN 8.1: that is the base image.
#                ONNX Runtime 1.22's CUDA provider needs CUDA 12 and cuDNN 9, which cannot be
#                that base; their libraries have other sonames (libcudart.so.12, libcublas.so.12,
#                libcudnn.so.9, libcufft.so.11), so they sit beside it in /opt/cuda12 and both
#                engines load. The node's driver must then support CUDA 12 (>= 525).
#                See docs/cluster-guide.md#images for the choice and how to verify it.
#
# Bases are pinned to exact versions; pin digests too for bit-for-bit rebuilds:
#   --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
ARG PYTHON_IMAGE=python:3.12.11-slim-bookworm

# ---------------------------------------------------------------------------------------------
# Build: compile the TypeScript. Dev dependencies (TypeScript) exist only in this stage.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: compiling needs no native add-on.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY search ./search
COPY evaluator ./evaluator
COPY operator ./operator
COPY cli ./cli
COPY results ./results
RUN npx tsc -p tsconfig.json

# ---------------------------------------------------------------------------------------------
# Production dependencies. `prepare` would compile TypeScript, done above, with a dev
# dependency that is not installed here: drop it from this copy of package.json. ONNX Runtime's
# package carries macOS and Windows binaries too (about 190 MB): only Linux stays.
FROM ${NODE_IMAGE} AS operator-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm pkg delete scripts.prepare \
 && ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --omit=optional --no-audit --no-fund \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS evaluator-cpu-deps
# node-gyp fallback for tfjs-node when no prebuilt binding matches.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Both native tfjs packages are optional dependencies in the lock; keep the CPU one.
RUN npm pkg delete scripts.prepare \
 && ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@tensorflow/tfjs-node-gpu \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS node

# Install on the GPU image's own OS (Ubuntu 20.04, glibc 2.31) so native add-ons match it.
FROM ${CUDA_IMAGE} AS evaluator-gpu-deps
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# ONNXRUNTIME_NODE_INSTALL=cuda12 fetches ONNX Runtime's CUDA provider binaries.
RUN npm pkg delete scripts.prepare \
 && ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@tensorflow/tfjs-node \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && npm cache clean --force

# CUDA 12 and cuDNN 9 user-space libraries for ONNX Runtime's CUDA provider, from NVIDIA's
# wheels (shared libraries only). libcurand.so.10 is left to the base: both CUDA lines share
# that soname.
FROM ${PYTHON_IMAGE} AS cuda12-libs
ARG CUDA12_WHEELS="nvidia-cuda-runtime-cu12==12.8.90 nvidia-cublas-cu12==12.8.4.1 nvidia-cufft-cu12==11.3.3.83 nvidia-cudnn-cu12==9.10.2.21"
# An empty CUDA12_WHEELS builds the image without ONNX Runtime's CUDA libraries. The versions
# are pinned in the argument, which hadolint cannot see.
# hadolint ignore=DL3013
RUN mkdir -p /opt/cuda12 \
 && if [ -n "${CUDA12_WHEELS}" ]; then pip install --no-cache-dir --no-deps --target /opt/cuda12 ${CUDA12_WHEELS}; fi \
 && find /opt/cuda12 -name '*.h' -delete \
 && rm -rf /opt/cuda12/bin /opt/cuda12/*.dist-info

# ---------------------------------------------------------------------------------------------
# Final images: compiled JavaScript, production node_modules, bin/rwenas; no sources,
# no dev dependencies, no compilers. UID 10001 matches the chart's securityContext.
FROM ${NODE_IMAGE} AS operator
ENV NODE_ENV=production \
    PATH=/app/bin:$PATH \
    HOME=/tmp
WORKDIR /app
COPY --from=operator-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
USER 10001:10001
EXPOSE 8080 8081
ENTRYPOINT ["rwenas"]
CMD ["operator", "--leader-elect", "--metrics-addr", ":8080", "--probe-addr", ":8081"]

FROM ${NODE_IMAGE} AS evaluator-cpu
ENV NODE_ENV=production \
    PATH=/app/bin:$PATH \
    HOME=/tmp
WORKDIR /app
COPY --from=evaluator-cpu-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
# The NAS-Bench-201 table of the table method (spec.evaluation.table.path unset).
COPY data ./data
USER 10001:10001
ENTRYPOINT ["rwenas"]
CMD ["evaluate", "--help"]

FROM ${CUDA_IMAGE} AS evaluator-gpu
# The node's driver libraries come first (mounted by the NVIDIA runtime), then the base's
# CUDA 11.2 / cuDNN 8 (libtensorflow), then CUDA 12 / cuDNN 9 (ONNX Runtime).
ENV NODE_ENV=production \
    PATH=/app/bin:/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/tmp \
    LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64:/usr/local/cuda/lib64:/opt/cuda12/nvidia/cuda_runtime/lib:/opt/cuda12/nvidia/cublas/lib:/opt/cuda12/nvidia/cufft/lib:/opt/cuda12/nvidia/cudnn/lib
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=cuda12-libs /opt/cuda12 /opt/cuda12
WORKDIR /app
COPY --from=evaluator-gpu-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY data ./data
USER 10001:10001
ENTRYPOINT ["rwenas"]
CMD ["evaluate", "--help"]
