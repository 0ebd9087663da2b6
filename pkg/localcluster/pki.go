package localcluster

import (
	"fmt"
	"net"
	"os"
)

// Names the apiserver's serving certificate answers to.
var apiserverDNSNames = []string{
	"localhost",
	"kubernetes",
	"kubernetes.default",
	"kubernetes.default.svc",
	"kubernetes.default.svc.cluster.local",
}

const (
	// frontProxyClientName is the identity the apiserver presents to
	// aggregated apiservers; they accept request headers only from it.
	frontProxyClientName = "front-proxy-client"
	// metricsServerDNSName is what the aggregator expects metrics-server's
	// certificate to carry: it verifies it as <service>.<namespace>.svc.
	metricsServerDNSName = metricsServerService + "." + metricsServerNamespace + ".svc"
)

// pki holds every certificate and key of one cluster.
type pki struct {
	ca           *authority
	caFiles      keyPair // cluster CA: serving certificates, client CA, root CA for pods
	frontProxyCA keyPair // a separate CA, as the aggregation layer requires

	apiserver         keyPair
	frontProxyClient  keyPair
	metricsServer     keyPair
	controllerManager keyPair
	kwok              keyPair

	saPrivateKey, saPublicKey string
}

// newPKI generates the cluster's certificates into dir.
func newPKI(dir string) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pki{}
	var err error
	if p.ca, err = newAuthority("localcluster-ca"); err != nil {
		return nil, err
	}
	frontProxy, err := newAuthority("localcluster-front-proxy-ca")
	if err != nil {
		return nil, err
	}
	if p.caFiles, err = p.ca.write(dir, "ca"); err != nil {
		return nil, err
	}
	if p.frontProxyCA, err = frontProxy.write(dir, "front-proxy-ca"); err != nil {
		return nil, err
	}

	loopback := []net.IP{net.IPv4(127, 0, 0, 1)}
	issues := []struct {
		into *keyPair
		ca   *authority
		name string
		req  certRequest
	}{
		{&p.apiserver, p.ca, "apiserver", certRequest{commonName: "kube-apiserver", dnsNames: apiserverDNSNames,
			ips: append([]net.IP{net.ParseIP(serviceClusterIP)}, loopback...), server: true}},
		{&p.frontProxyClient, frontProxy, "front-proxy-client", certRequest{commonName: frontProxyClientName}},
		{&p.metricsServer, p.ca, "metrics-server", certRequest{commonName: "metrics-server",
			dnsNames: []string{metricsServerDNSName, "localhost"}, ips: loopback, server: true}},
		{&p.controllerManager, p.ca, "kube-controller-manager", certRequest{commonName: "kube-controller-manager",
			dnsNames: []string{"localhost"}, ips: loopback, server: true}},
		{&p.kwok, p.ca, "kwok", certRequest{commonName: "kwok", dnsNames: []string{"localhost"}, ips: loopback, server: true}},
	}
	for _, is := range issues {
		if *is.into, err = is.ca.issue(dir, is.name, is.req); err != nil {
			return nil, fmt.Errorf("issue %s certificate: %w", is.name, err)
		}
	}
	if p.saPrivateKey, p.saPublicKey, err = writeSigningKey(dir); err != nil {
		return nil, err
	}
	return p, nil
}
