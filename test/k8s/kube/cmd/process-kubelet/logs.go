package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// serveLogs answers the API server's /containerLogs requests (what `kubectl logs` asks the
// kubelet for) from the log files on disk. TLS with a throwaway self-signed certificate: the
// API server is not configured with a kubelet CA, as on a default cluster.
func (k *kubelet) serveLogs(ctx context.Context) (int, error) {
	cert, err := selfSigned()
	if err != nil {
		return 0, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", k.containerLogs)
	srv := &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (k *kubelet) containerLogs(w http.ResponseWriter, r *http.Request) {
	dir := filepath.Join(k.cfg.stateDir, "pods", r.PathValue("ns")+"_"+r.PathValue("pod"))
	name := filepath.Base(r.PathValue("container"))
	q := r.URL.Query()
	path := filepath.Join(dir, name+".log")
	if q.Get("previous") == "true" {
		path = filepath.Join(dir, name+".previous.log")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		http.Error(w, "no logs for container "+name+": "+err.Error(), http.StatusNotFound)
		return
	}
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n >= 0 {
		lines := bytes.SplitAfter(b, []byte("\n"))
		if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1]
		}
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		b = bytes.Join(lines, nil)
	}
	if n, err := strconv.Atoi(q.Get("limitBytes")); err == nil && n >= 0 && n < len(b) {
		b = b[:n]
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write(b)
	if q.Get("follow") != "true" || q.Get("previous") == "true" {
		return
	}
	// Follow: stream what the process appends until it exits (its pid file disappears).
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	off, _ := f.Seek(0, io.SeekEnd)
	_ = off
	flusher, _ := w.(http.Flusher)
	for {
		if flusher != nil {
			flusher.Flush()
		}
		_, alive := os.Stat(filepath.Join(dir, name+".pid"))
		n, _ := io.Copy(w, f)
		if n == 0 && alive != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "rwenas-process-kubelet"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
