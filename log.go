package xpay

import (
	"context"
	"log/slog"
	"time"
)

func (c *Client) log(ctx context.Context, op *operation, status int, r *Response, err error, d time.Duration) {
	if c.logger == nil {
		return
	}
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
	}
	if !c.logger.Enabled(ctx, level) {
		return
	}
	if r == nil {
		r = &Response{}
	}
	attrs := []slog.Attr{
		slog.String("operation", op.name),
		slog.String("alias", maskAlias(c.creds().alias)),
		slog.Int("http_status", status),
		slog.String("esito", r.Outcome),
		slog.String("idOperazione", r.OperationID),
		slog.Duration("duration", d),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.logger.LogAttrs(ctx, level, "xpay call", attrs...)
}

func (c *Client) logRetry(ctx context.Context, op *operation, n int, wait time.Duration, err error) {
	if c.logger == nil {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelInfo, "xpay retry",
		slog.String("operation", op.name), slog.Int("retry", n), slog.Duration("wait", wait), slog.String("error", err.Error()))
}
