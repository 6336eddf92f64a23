# Hearth container image: build with cgo (SQLite), run as a non-root user with the data
# volume at /data.
#   docker build -t hearth .
#   docker run -p 8080:8080 -v hearth-data:/data -e HEARTH_BASE_URL=https://hearth.example.org hearth

FROM golang:1.25-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/hearth ./cmd/hearth

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 hearth \
 && useradd --system --uid 10001 --gid hearth --home-dir /data --shell /usr/sbin/nologin hearth \
 && mkdir -p /data && chown hearth:hearth /data
COPY --from=build /out/hearth /usr/local/bin/hearth
USER hearth:hearth
ENV HEARTH_ADDR=:8080 HEARTH_DATA=/data HEARTH_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/hearth", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/hearth"]
CMD ["serve"]
