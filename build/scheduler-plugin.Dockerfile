# Static, non-root image of the scheduler-plugin binary.
# Build from the repository root: docker build -f build/scheduler-plugin.Dockerfile -t coxswain/scheduler-plugin:dev .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/scheduler-plugin ./cmd/scheduler-plugin

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/scheduler-plugin /scheduler-plugin
USER 65532:65532
ENTRYPOINT ["/scheduler-plugin"]
