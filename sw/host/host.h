/* host.h — the host driver: one protocol layer (sw/host/host_proto.c, docs/protocol.md) over
 * interchangeable byte transports (sw/host/host_ftdi.c, sw/host/host_tty.c, sw/host/host_sim.c).
 *
 *   q2mlp-host (sw/cli/main_q2mlp-host.c)
 *        |  q2_host_info / load / verify / infer_send + infer_recv / status / reset
 *        v
 *   protocol: frames, CRC-16, sequence numbers, timeouts, retries, pipelining window
 *        |  q2_transport { write, read, flush_input, close }
 *        v
 *   ftdi:VID:PID[:IF][:SERIAL] (libftdi1) | tty:/dev/ttyUSBn (termios) | sim:/path.sock (Unix socket)
 *
 * Errors follow sw/base/util.h: 0 or a negative Q2_E* code after one message on stderr. Every wait is
 * bounded by a timeout; nothing here exits.
 */
#ifndef Q2_HOST_H
#define Q2_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qmodel/qmodel.h"

/* The codes, generated (build/gen) from the tables that own them: the protocol's sync bytes,
 * commands, status bytes, version and features (Q2P_*, Q2S_*: rtl/link/codes.tbl) and the core's
 * registers and STATUS bits that the responses carry (Q2_REG_*, Q2_STATUS_*, Q2_CORE_ID:
 * rtl/core/codes.tbl). */
#include "q2_link_codes.h"
#include "q2_core_codes.h"

/* ---- transports ----------------------------------------------------------------------------- */
/* The USB identity of an opened device, from its descriptors (ftdi); vid == 0 when the transport
 * has none (tty, sim). Strings are "" when the device has none; unprintable bytes become '?'. */
typedef struct {
    int vid, pid;
    char manufacturer[64], description[128], serial[64];
} q2_usb_id;

typedef struct q2_transport q2_transport;
struct q2_transport {
    const char *kind;   /* "ftdi", "tty", "sim" */
    char name[160];     /* the device as the user gave it, for messages */
    q2_usb_id usb;      /* filled by the ftdi transport at open */
    /* Write all len bytes within timeout_s seconds: 0, or Q2_EDEVICE (message printed). */
    int (*write)(q2_transport *t, const uint8_t *buf, size_t len, double timeout_s);
    /* Wait at most timeout_s for at least one byte, return how many were read (0 = timeout,
     * never blocks longer), or Q2_EDEVICE. */
    int (*read)(q2_transport *t, uint8_t *buf, size_t cap, double timeout_s);
    /* Drop bytes received and not yet read. */
    int (*flush_input)(q2_transport *t);
    /* Change the line rate of the open device (ftdi, tty; NULL for sim): 0 or a Q2_E* code. */
    int (*set_baud)(q2_transport *t, int baud);
    void (*close)(q2_transport *t);   /* frees t */
};

typedef struct {
    int baud;          /* line rate (ftdi, tty) */
    int latency_ms;    /* FTDI latency timer, 1..255 */
    double timeout_s;  /* bound for opening / connecting */
} q2_transport_opts;

/* Open "ftdi:...", "tty:...", "sim:..." (docs/host.md). Q2_EARG for a malformed spec,
 * Q2_EDEVICE when the device is absent or does not open. */
int q2_transport_open(q2_transport **t, const char *spec, const q2_transport_opts *o);
int q2_ftdi_open(q2_transport **t, const char *spec, const q2_transport_opts *o); /* after "ftdi:" */
int q2_tty_open(q2_transport **t, const char *path, const q2_transport_opts *o);
int q2_sim_open(q2_transport **t, const char *path, const q2_transport_opts *o);
/* What q2mlp-board-sim sends to a client that connects while another is connected, before it
 * hangs up; the sim transport reports it instead of waiting for a response. No response starts
 * with 'b' (a response's first byte is 0x5A). */
#define Q2_SIM_BUSY_BANNER "board sim busy: another client is connected\n"

/* For the file-descriptor transports (tty, sim; sw/host/host_tty.c): poll()-bounded I/O on a
 * non-blocking fd. what names the device in messages. is_socket: send() without SIGPIPE, so a
 * peer that went away is an error return, not a dead process, and read() = 0 is the end of the
 * connection (on a raw tty with VMIN = VTIME = 0 it only means "no byte yet"). */
int q2_fd_write_all(int fd, const uint8_t *buf, size_t len, double timeout_s, const char *what,
                    bool is_socket);
int q2_fd_read_some(int fd, uint8_t *buf, size_t cap, double timeout_s, const char *what,
                    bool is_socket);
/* A file-descriptor transport: a struct of `size` bytes (>= sizeof(q2_fd_transport), its first
 * member a q2_fd_transport), zeroed, holding fd, kind and the name "<kind>:<path>"; close() closes
 * fd and frees it. The caller sets read, write and flush_input. NULL (fd closed, message printed)
 * when out of memory. */
typedef struct {
    q2_transport t;
    int fd;
} q2_fd_transport;
q2_fd_transport *q2_fd_transport_new(size_t size, int fd, const char *kind, const char *path);

/* ---- wire format (docs/protocol.md; the codes: q2_link_codes.h) ------------------------------- */
enum {
    Q2P_HDR = 5,                 /* sync cmd seq len_lo len_hi */
    Q2P_OVERHEAD = 7,            /* header + CRC-16 */
    Q2P_MAX_RSP_PAYLOAD = 1 + 4 * (3 + 256),
};
const char *q2_status_name(int status);   /* "ERR_CRC", ... */
const char *q2_status_text(int status);   /* a sentence for messages */

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, MSB first; "123456789" -> 0x29B1): rtl/link/crc16.v. */
uint16_t q2_crc16_update(uint16_t crc, const void *buf, size_t len);
/* Build a request frame into out (cap >= len + Q2P_OVERHEAD). Returns the frame length. */
size_t q2_frame_build(uint8_t *out, uint8_t cmd, uint8_t seq, const uint8_t *payload, size_t len);
/* Zero-run-length code of an image (INFER_RLE): a nonzero byte stands for itself, 00 c for c+1
 * zeros. Returns the coded length (<= cap), or 0 if it does not fit. */
size_t q2_rle_encode(const uint8_t *px, size_t n, uint8_t *out, size_t cap);

typedef struct {
    uint8_t cmd;        /* request command (the response's cmd & 0x7F) */
    uint8_t seq;
    uint8_t status;
    int n_words;        /* 32-bit little-endian words after the status byte */
    uint32_t w[3 + 256];
    size_t wire_len;    /* bytes on the wire, framing included */
} q2_frame;

/* The response parser, on a byte buffer (no I/O, no state; a fuzz target). Looks at buf[0, n):
 *    1  a well-formed frame starts at buf[0]: *f filled, *used = its wire length;
 *    0  buf[0, n) may be the beginning of a frame (or n = 0): need more bytes, *used = 0;
 *   -1  no frame starts at buf[0]: drop *used (>= 1) bytes and parse again; why (why_cap bytes,
 *       may be NULL) says what was wrong: "12 bytes of garbage (no 0x5A sync)", "length 65535 >
 *       max 1037", "bad CRC 0x1234, computed 0x5678", ...
 * It checks the framing only (sync, response bit, length 1 + 4n <= Q2P_MAX_RSP_PAYLOAD, CRC-16);
 * whether the words make sense for the command is the caller's business. */
int q2_response_parse(const uint8_t *buf, size_t n, q2_frame *f, size_t *used, char *why,
                      size_t why_cap);

/* ---- what the device says ---------------------------------------------------------------------- */
typedef struct {
    uint32_t id, hw_version, lanes, wmem_bytes, pmem_neurons, abuf_bytes;
    uint32_t clock_hz;                 /* 0: not stated by the board top */
    int clks_per_bit, proto_version, rxbuf_bytes, max_payload;
    int rec_bytes;                     /* ring bytes a frame takes besides its payload */
    uint32_t timeout_bits, features;   /* features: Q2P_FEATURE_* bits */
} q2_dev_info;

typedef struct {
    uint32_t core_status;              /* the core's STATUS register */
    bool busy, model_valid, image_complete;
    int core_err;
    uint32_t model_bytes;
    uint32_t crc;                      /* the core's CRC-32 register */
    uint32_t uptime_cycles;            /* device clock cycles since reset, wrapping at 2^32 */
    unsigned errors;                   /* 8-bit, wrapping: frames answered with a protocol error
                                          or dropped, UART framing errors (docs/protocol.md) */
} q2_dev_status;

typedef struct {
    int cls, n_classes;
    uint32_t cycles;                   /* core cycles of this inference */
    int32_t logits[256];
} q2_infer_result;

/* ---- the protocol layer --------------------------------------------------------------------- */
/* The line rates a build may choose (rtl/boards.mk ICE40_BAUD; the default first): with baud 0
 * ("--baud auto") q2_host_open asks INFO at each of them, Q2_HOST_PROBE_S seconds each, on the
 * ftdi and tty transports, and keeps the first that answers. */
#define Q2_HOST_BAUDS   { 3000000, 12000000 }
#define Q2_HOST_PROBE_S 0.3

typedef struct {
    double timeout_s;   /* base wait for a response (plus the line time of the exchange) */
    int retries;        /* resends after a lost/garbled exchange (idempotent requests only) */
    int baud;           /* 0: auto (Q2_HOST_BAUDS) */
    int latency_ms;
    bool verbose;
} q2_host_opts;

typedef struct {
    q2_transport *t;
    q2_host_opts o;
    uint8_t seq;                   /* next sequence number */
    uint8_t rbuf[8192];            /* received, not yet parsed (rlen bytes from 0) */
    size_t rlen;
    q2_dev_info info;
    bool have_info;
    /* counters for the line-utilization figures: every byte moved, framing included */
    uint64_t bytes_down, bytes_up;
    unsigned retries_used, stray_frames, resyncs;
    /* what the receiver dropped, so that a failure says what arrived (not just "no response") */
    unsigned garbage_bytes;        /* bytes before a 0x5A sync */
    unsigned bad_frames;           /* frames that failed q2_response_parse's checks */
    char first_bad[96];            /* why the first of them since q2_host_mark was dropped */
    bool have_bad;                 /* first_bad is set since q2_host_mark */
    bool in_bad;                   /* the bytes after a dropped frame's sync are its rest */
} q2_host;

int  q2_host_open(q2_host *h, const char *spec, const q2_host_opts *o);
void q2_host_close(q2_host *h);

/* One request, one response, with retries (on timeout / garbled frame: resync, resend).
 * Returns 0 when a response came (resp->status may be an error), Q2_EDEVICE otherwise. */
int q2_host_request(q2_host *h, uint8_t cmd, const uint8_t *payload, size_t len, q2_frame *resp,
                    int retries);
/* Make sure the device's frame decoder is hunting for a sync byte: send max_payload + 8 zero
 * bytes (completes any partial frame; zeros are not a sync byte), drop what came back. */
int q2_host_resync(q2_host *h);
/* Lower level, for pipelining and for `raw`: send one frame, receive the next response frame. */
int q2_host_send(q2_host *h, uint8_t cmd, uint8_t seq, const uint8_t *payload, size_t len);
int q2_host_send_bytes(q2_host *h, const uint8_t *buf, size_t len);
/* Next well-formed response (bad CRC / junk skipped and counted): 1 got one, 0 timeout,
 * <0 error. */
int q2_host_recv(q2_host *h, q2_frame *f, double timeout_s);
/* What the receiver saw since a mark, for a failure message: "no response within 2.0 s (device
 * off, ...)" only for real silence, else "malformed response: bad CRC ...", "truncated frame (12
 * of 50 bytes)", "37 stray responses (wrong seq or cmd)", ... */
typedef struct { unsigned stray, garbage, bad; } q2_rx_mark;
q2_rx_mark q2_host_mark(q2_host *h);   /* also forgets the reason of an earlier malformed frame */
void q2_host_describe(const q2_host *h, q2_rx_mark since, double waited_s, char *out, size_t cap);
/* Seconds the line needs for n bytes (10 bits each at the configured baud). */
double q2_host_line_time(const q2_host *h, size_t n);

int q2_host_info(q2_host *h, q2_dev_info *info);
int q2_host_status(q2_host *h, q2_dev_status *st);
int q2_host_reset(q2_host *h);
int q2_host_verify(q2_host *h, uint32_t *crc, uint32_t *model_bytes, bool *model_valid);
/* Does this model fit the device (q2_qmodel_fits with the capacities INFO reported)? 0, or
 * Q2_EARG with a message saying which limit. */
int q2_host_check_fit(const q2_dev_info *info, const q2_qmodel *q, const char *name);
/* LOAD the image in chunks (pipelined), then VERIFY against its stored CRC-32. Returns 0,
 * Q2_EVERIFY (device rejected it / CRC read-back differs), or Q2_EDEVICE. progress may be NULL. */
int q2_host_load(q2_host *h, const uint8_t *img, size_t len,
                 void (*progress)(size_t done, size_t total, void *ctx), void *ctx);

/* Device seconds between two uptime readings (2^32 wrap); wall_s, the host's time between them,
 * decides when the counter may have wrapped: then wall_s is returned. */
double q2_host_device_seconds(const q2_dev_info *info, uint32_t up0, uint32_t up1, double wall_s);

/* Pipelined inference: send while fewer than q2_host_window() (<= Q2_HOST_MAX_WINDOW) are
 * outstanding, receive in order. infer_send returns the frame's sequence number in *seq.
 * The infer stream counts ring bytes instead (q2_host_ring_fits), so that short INFER_RLE frames
 * keep more requests in flight. */
#define Q2_HOST_MAX_WINDOW 16  /* requests in flight at most (LOAD chunks and INFER frames) */
int q2_host_window(const q2_host *h, size_t payload_len);
/* The payload bytes of the INFER or INFER_RLE frame that q2_host_infer_send sends for px. */
size_t q2_host_infer_payload(const uint8_t *px, size_t n, bool rle);
/* May a frame that takes `rec` ring bytes (REC_BYTES + payload) follow `n` unanswered ones that
 * take `inflight` ring bytes, the oldest `oldest`? Those that wait must fit the device's ring
 * beside the record being executed: inflight + rec <= RXBUF_BYTES + oldest (for frames of one
 * size, RXBUF_BYTES / rec + 1 in flight, as q2_host_window). */
bool q2_host_ring_fits(const q2_host *h, int n, size_t inflight, size_t oldest, size_t rec);
int q2_host_infer_send(q2_host *h, const uint8_t *px, size_t n, bool rle, uint8_t *seq);
/* 0 ok (*status set: the device's status byte; r filled when it is OK); Q2_EDEVICE no response
 * in time; Q2_EFORMAT an OK answer that cannot be right (CLASS >= N_CLASSES, CLASS not the argmax,
 * word count); messages printed. */
int q2_host_infer_recv(q2_host *h, uint8_t seq, q2_infer_result *r, int *status, double timeout_s);

/* The infer stream (host_infer.c): n images, pipelined as above, answers taken in order; a lost
 * or garbled exchange (no answer, FRAME_CRC, TIMEOUT, OVERFLOW) is recovered by a resync and a
 * resend from the oldest unanswered image, at most o.retries times per image. fn gets every OK
 * answer in order, with its index first..first+n-1; a nonzero return stops the stream and is
 * returned. Returns 0, Q2_EDEVICE (message printed), a transport error, or fn's code; *st is
 * filled in every case. */
typedef int (*q2_infer_fn)(void *ctx, long index, const q2_infer_result *r);
typedef struct {
    const uint8_t *px;      /* n * npix bytes: image first + i at px + i * npix */
    size_t npix;
    long n, first;          /* first: the index of px's first image, for messages and fn */
    bool rle;               /* INFER_RLE frames (the device's features bit 0) */
    int n_classes;          /* the class count answers must have, or 0 */
    const char *model_name; /* names the model in the class-count message */
    q2_infer_fn fn;
    void *ctx;
} q2_infer_job;
typedef struct {
    int window;             /* requests in flight, at most (the most seen) */
    long done;              /* images answered OK and handed to fn */
    uint64_t bytes_down, bytes_up;   /* of the stream, framing included */
    unsigned retries;
    double wall_s;
} q2_stream_stats;
int q2_host_infer_stream(q2_host *h, const q2_infer_job *job, q2_stream_stats *st);

#endif
