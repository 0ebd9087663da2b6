# Coxswain: a Kubernetes scheduling and autoscaling extension.
SHELL := /usr/bin/env bash
BIN   := $(CURDIR)/bin
GO    ?= go
export GOFLAGS ?= -buildvcs=false

TOOLS_MOD  := hack/tools/go.mod hack/tools/go.sum
TOOLS      := etcd kube-apiserver kube-controller-manager kwok metrics-server
TOOLS_BINS := $(addprefix $(BIN)/,$(TOOLS))
TOOLS_PKG_etcd                    := ./etcd
TOOLS_PKG_kube-apiserver          := k8s.io/kubernetes/cmd/kube-apiserver
TOOLS_PKG_kube-controller-manager := k8s.io/kubernetes/cmd/kube-controller-manager
TOOLS_PKG_kwok                    := sigs.k8s.io/kwok/cmd/kwok
TOOLS_PKG_metrics-server          := sigs.k8s.io/metrics-server/cmd/metrics-server

.PHONY: all build generate tools test test-unit test-e2e vet fmt demo clean bench bench-gpu bench-large bench-autoscale

all: build

## build: the two product binaries
build:
	$(GO) build -o $(BIN)/ ./cmd/scheduler-plugin ./cmd/autoscaler

## tools: the real control-plane components, built from the module proxy.
## A binary is rebuilt only when missing or when the tools module's pins change
## (the stamp records a hash of hack/tools/go.mod and go.sum).
tools: $(TOOLS_BINS)

$(BIN)/.tools-pins: $(TOOLS_MOD) FORCE
	@mkdir -p $(BIN)
	@sum=$$(cat $(TOOLS_MOD) | sha256sum | cut -d' ' -f1); \
	  [ "$$(cat $@ 2>/dev/null)" = "$$sum" ] || echo "$$sum" > $@

$(BIN)/%: $(BIN)/.tools-pins
	cd hack/tools && $(GO) build -trimpath -ldflags='-s -w' -o $@ $(TOOLS_PKG_$*)

FORCE:

## generate: deepcopy code and the PodAutoscaler CRD, with controller-gen
## built from the pinned hack/codegen module.
CONTROLLER_GEN := $(BIN)/controller-gen
$(CONTROLLER_GEN): hack/codegen/go.mod hack/codegen/go.sum
	cd hack/codegen && $(GO) build -o $@ sigs.k8s.io/controller-tools/cmd/controller-gen

generate: $(CONTROLLER_GEN)
	$(CONTROLLER_GEN) object paths=./pkg/apis/autoscaling/...
	$(CONTROLLER_GEN) crd paths=./pkg/apis/autoscaling/... output:crd:artifacts:config=manifests/crd

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

## test: vet + unit tests + integration/e2e tests on the local control plane
test: tools build vet
	$(GO) test -count=1 -timeout 40m ./...

test-unit:
	$(GO) test -short -count=1 ./...

## demo: the main job — a local cluster with both binaries
demo: tools build
	$(GO) run ./hack/demo

clean:
	rm -rf $(BIN) .coxswain
