# Static, non-root image of the autoscaler binary.
# Build from the repository root: docker build -f build/autoscaler.Dockerfile -t coxswain/autoscaler:dev .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/autoscaler ./cmd/autoscaler

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/autoscaler /autoscaler
USER 65532:65532
ENTRYPOINT ["/autoscaler"]
