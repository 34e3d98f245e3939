package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/minio/minio-go/v7"
)

// unavailableCode reports S3 / MinIO error codes that mean "try again
// later" rather than "your request is wrong" (most also come with a 5xx, but
// proxies do not always keep the status).
func unavailableCode(code string) bool {
	switch code {
	case "ServiceUnavailable", "SlowDown", "SlowDownRead", "SlowDownWrite", "InternalError",
		"RequestTimeout", "XMinioServerNotInitialized", "XMinioBackendDown":
		return true
	}
	return false
}

// classify wraps a minio-go error with the operation and key, adding
// ErrNotFound or ErrUnavailable so callers can choose 404 / 503 with
// errors.Is and never compare error text.
func classify(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch {
		case er.Code == "NoSuchKey":
			return fmt.Errorf("storage: %s %q: %w: %w", op, key, ErrNotFound, err)
		case er.StatusCode >= 500 || unavailableCode(er.Code):
			return fmt.Errorf("storage: %s %q: %w: %w", op, key, ErrUnavailable, err)
		}
		return fmt.Errorf("storage: %s %q: %w", op, key, err)
	}
	if isUnreachable(err) {
		return fmt.Errorf("storage: %s %q: %w: %w", op, key, ErrUnavailable, err)
	}
	return fmt.Errorf("storage: %s %q: %w", op, key, err)
}

// isUnreachable reports transport-level failures: refused or reset
// connections, DNS failures, timeouts and connections closed mid-answer.
// A caller's own cancellation (context.Canceled) is not one of them.
func isUnreachable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) && (errors.Is(ue.Err, io.EOF) || errors.Is(ue.Err, io.ErrUnexpectedEOF)) {
		return true
	}
	return strings.Contains(err.Error(), "connection refused")
}
