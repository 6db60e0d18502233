# syntax=docker/dockerfile:1
# Backbone API server: a static binary on a distroless base, run as non-root.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" \
        -o /out/backbone ./server \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/backbone /backbone
# The embedded default keeps its SQLite file here; mount a volume to keep it.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENV ADDR=:8080
EXPOSE 8080
# /backbone healthcheck probes /healthz on METRICS_ADDR when it is set, on ADDR otherwise:
# a `worker` container (no listener on ADDR) needs METRICS_ADDR, such as :8080, to pass.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["/backbone", "healthcheck"]
ENTRYPOINT ["/backbone"]
CMD ["serve"]
