# The task-list app as a container image, for any chapter:
#
#   docker build -t tasklist .                      # chapter 09
#   docker build --build-arg STEP=04 -t tasklist .  # any other
#   docker run -p 8080:8080 tasklist                # SQLite inside, in-process cache
#
# It listens on $PORT (8080 unless set) and reads the same variables as
# `go run` (see docs/deploy.md). Without access to Docker Hub, build it from
# the bases that .ci/images/app-bases.sh makes from Debian packages:
#
#   docker build --build-arg BUILDER_IMAGE=taskcache/go-builder:bookworm \
#     --build-arg RUNTIME_IMAGE=taskcache/runtime:bookworm -t tasklist .

# The builder needs Go and a C compiler (the SQLite driver uses cgo); the
# runtime needs only glibc, which the binary links against.
ARG BUILDER_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILDER_IMAGE} AS build
ARG STEP=09
ARG GOPROXY
WORKDIR /src
# One chapter and the shared module, side by side, so that the chapter's
# `replace ... => ../shared` finds it; each module builds on its own.
COPY shared/ shared/
COPY step${STEP}-* chapter/
RUN test -f chapter/go.mod || { echo "no chapter step${STEP}-*: STEP takes 01 to 09" >&2; exit 1; }
ENV GOWORK=off CGO_ENABLED=1
RUN cd chapter && go build -trimpath -ldflags='-s -w' -o /out/app . \
 && cd ../shared && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/healthcheck ./cmd/healthcheck \
 && mkdir -p /out/instance

FROM ${RUNTIME_IMAGE}
# For DATABASE_URL=mysql://…?tls=true to a managed database.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/app /out/healthcheck /app/
# The default SQLite file goes to instance/; a mounted volume can replace it.
COPY --from=build --chown=10001:10001 /out/instance /app/instance
WORKDIR /app
USER 10001:10001
ENV PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/app/healthcheck"]
ENTRYPOINT ["/app/app"]
