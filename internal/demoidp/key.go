package demoidp

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math/big"
)

// The signing key is derived from the installation's secret rather than generated
// and stored: every start (and every node) computes the same RSA key, so ID tokens
// issued before a restart still verify, and nothing is written to the database. The
// key is as secret as the master key, which already protects every sealed value.
//
// crypto/rsa cannot do this (since Go 1.26 its GenerateKey ignores the reader it is
// given), so the primes are searched here: candidates come from HMAC-SHA256 in
// counter mode keyed with the seed (a deterministic random bit generator), have
// their two top bits set (so p·q has exactly 2048 bits) and are tested with
// math/big's ProbablyPrime (Baillie-PSW plus Miller-Rabin rounds).

const (
	primeBits  = 1024
	primeTests = 32
)

// drbg is HMAC-SHA256 in counter mode.
type drbg struct {
	key []byte
	n   uint64
}

func (d *drbg) read(p []byte) {
	for len(p) > 0 {
		m := hmac.New(sha256.New, d.key)
		var ctr [8]byte
		binary.BigEndian.PutUint64(ctr[:], d.n)
		d.n++
		m.Write([]byte("piazza demo-idp rsa prime candidate"))
		m.Write(ctr[:])
		p = p[copy(p, m.Sum(nil)):]
	}
}

func (d *drbg) prime(e *big.Int) (*big.Int, error) {
	one := big.NewInt(1)
	buf := make([]byte, primeBits/8)
	for range 100000 {
		d.read(buf)
		buf[0] |= 0xC0
		buf[len(buf)-1] |= 1
		p := new(big.Int).SetBytes(buf)
		if !p.ProbablyPrime(primeTests) {
			continue
		}
		// e must be invertible modulo p-1.
		if new(big.Int).GCD(nil, nil, e, new(big.Int).Sub(p, one)).Cmp(one) != 0 {
			continue
		}
		return p, nil
	}
	return nil, errors.New("demoidp: no prime found")
}

// deriveKey returns the 2048-bit RSA key for a seed.
func deriveKey(seed []byte) (*rsa.PrivateKey, error) {
	if len(seed) < 32 {
		return nil, errors.New("demoidp: signing seed too short")
	}
	d := &drbg{key: seed}
	e := big.NewInt(65537)
	p, err := d.prime(e)
	if err != nil {
		return nil, err
	}
	q, err := d.prime(e)
	for err == nil && p.Cmp(q) == 0 {
		q, err = d.prime(e)
	}
	if err != nil {
		return nil, err
	}
	one := big.NewInt(1)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	key := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537},
		D:         new(big.Int).ModInverse(e, phi),
		Primes:    []*big.Int{p, q},
	}
	key.Precompute()
	if err := key.Validate(); err != nil {
		return nil, err
	}
	return key, nil
}
