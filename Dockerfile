# The terrane container image: the static release binary on a small base with CA
# certificates (AWS and provider registries are reached over HTTPS). The release workflow
# builds it from the archives it has just built, one per platform:
#   docker buildx build --platform linux/amd64,linux/arm64 -t terrane .
# with dist/terrane-x86_64-unknown-linux-musl.tar.gz and
# dist/terrane-aarch64-unknown-linux-musl.tar.gz in the build context.
FROM alpine:3.20
ARG TARGETARCH
RUN apk add --no-cache ca-certificates git openssh-client
COPY dist/ /tmp/dist/
RUN case "$TARGETARCH" in \
      amd64) t=x86_64-unknown-linux-musl ;; \
      arm64) t=aarch64-unknown-linux-musl ;; \
      *) echo "no terrane build for $TARGETARCH" >&2; exit 1 ;; \
    esac \
    && tar -xzf "/tmp/dist/terrane-$t.tar.gz" -C /usr/local/bin terrane \
    && rm -rf /tmp/dist \
    && terrane version
WORKDIR /workspace
ENTRYPOINT ["terrane"]
