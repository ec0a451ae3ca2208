//! CIDR notation, shared by Terraform's IP network functions and the providers' argument
//! checks. Addresses are integers (`u128` for both families, with the family's bit width
//! alongside), so IPv4 and IPv6 share every calculation.

use std::net::Ipv6Addr;

#[derive(Clone, Copy)]
pub struct Cidr {
    /// The address as written (host bits included).
    pub addr: u128,
    pub prefix: u32,
    /// 32 for IPv4, 128 for IPv6.
    pub bits: u32,
}

impl Cidr {
    pub fn host_bits(self) -> u32 {
        self.bits - self.prefix
    }

    pub fn family(self) -> &'static str {
        if self.bits == 32 {
            "IPv4"
        } else {
            "IPv6"
        }
    }

    /// The mask of the given prefix length within this family.
    pub fn mask(self, prefix: u32) -> u128 {
        let all = ones(self.bits);
        let host = self.bits - prefix.min(self.bits);
        all & !ones(host)
    }

    pub fn first(self) -> u128 {
        self.addr & self.mask(self.prefix)
    }

    pub fn last(self) -> u128 {
        self.first() | ones(self.host_bits())
    }

    pub fn contains(self, addr: u128) -> bool {
        addr & self.mask(self.prefix) == self.first()
    }
}

pub fn ones(n: u32) -> u128 {
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

/// Terraform reads IPv4 octets with leading zeros as decimal, which `std` refuses.
fn parse_v4(s: &str) -> Option<u128> {
    let mut n: u128 = 0;
    let mut count = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let octet: u128 = part.parse().ok().filter(|o| *o <= 255)?;
        n = (n << 8) | octet;
        count += 1;
    }
    (count == 4).then_some(n)
}

impl Cidr {
    /// Parses `a.b.c.d/n` or an IPv6 `addr/n` as Terraform's functions do (octets with
    /// leading zeros read as decimal), keeping host bits: [`Cidr::network`] clears them,
    /// [`Cidr::has_host_bits`] tells whether there are any.
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let bad = || format!("invalid CIDR expression: invalid CIDR address: {s}");
        let (ip, len) = s.split_once('/').ok_or_else(bad)?;
        let (addr, bits) = match parse_v4(ip) {
            Some(a) => (a, 32),
            None => (u128::from(ip.parse::<Ipv6Addr>().map_err(|_| bad())?), 128),
        };
        if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let prefix: u32 = len.parse().map_err(|_| bad())?;
        if prefix > bits {
            return Err(bad());
        }
        Ok(Cidr { addr, prefix, bits })
    }

    /// The network: the address with its host bits cleared.
    pub fn network(self) -> Cidr {
        Cidr {
            addr: self.first(),
            ..self
        }
    }

    pub fn has_host_bits(self) -> bool {
        self.addr != self.first()
    }

    pub fn is_ipv4(self) -> bool {
        self.bits == 32
    }
}
