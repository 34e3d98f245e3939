# schoolcheck: one static, non-root binary.
# Build:  docker build -t schoolcheck .
# Run:    docker run -p 8080:8080 -v schoolcheck-data:/data schoolcheck
#         (embedded mode; set SCHOOLCHECK_DATABASE_DRIVER=mysql etc. for production)

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so the dependency layer is cached across source changes.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# timetzdata embeds the zone database: Asia/Shanghai works without tzdata in
# the image. CGO is off (pure-Go SQLite driver), so the binary is static.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags="-s -w" -o /out/schoolcheck . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/schoolcheck /schoolcheck
# /data must belong to the nonroot user (65532) for the embedded SQLite file,
# local objects and generated secrets.
COPY --from=build --chown=65532:65532 /out/data /data
ENV SCHOOLCHECK_DATA_DIR=/data
VOLUME /data
USER nonroot
EXPOSE 8080
# distroless has no shell or curl: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/schoolcheck", "healthcheck"]
ENTRYPOINT ["/schoolcheck"]
CMD ["serve"]
