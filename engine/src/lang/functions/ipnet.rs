//! IP network functions. Addresses are handled as integers (`u128` for both families,
//! with the family's bit width alongside), so IPv4 and IPv6 share every calculation.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::args::{arg_int, arg_number, arg_str, string};
use super::{Fail, FuncContext};
use crate::lang::cidr::{ones, Cidr as Net};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

fn format_addr(addr: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(u32::try_from(addr & ones(32)).unwrap_or(0)).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

fn format_net(addr: u128, prefix: u32, bits: u32) -> String {
    format!("{}/{prefix}", format_addr(addr, bits))
}

fn parse_cidr(s: &str) -> Result<Net, String> {
    Net::parse(s).map(Net::network)
}

fn arg_net(args: Args, i: usize) -> Result<Net, Fail> {
    parse_cidr(&arg_str(args, i)?).map_err(Fail::Msg)
}

/// A whole number as an `i128`, wide enough for any IPv6 host or network number
/// Terraform users write.
fn arg_wide(args: Args, i: usize) -> Result<i128, Fail> {
    arg_number(args, i)?
        .to_integer_string()
        .and_then(|digits| digits.parse::<i128>().ok())
        .ok_or_else(|| Fail::Arg(i, "a whole number is required".into()))
}

pub(super) fn cidrhost(args: Args, _: Ctx) -> Result<Value, Fail> {
    let net = arg_net(args, 0)?;
    let num = arg_wide(args, 1)?;
    let max = ones(net.host_bits());
    let offset = if num < 0 {
        // Negative host numbers count back from the end of the range.
        max.checked_sub(num.unsigned_abs() - 1)
    } else {
        Some(num.unsigned_abs()).filter(|n| *n <= max)
    };
    let offset = offset.ok_or_else(|| {
        Fail::Msg(format!(
            "prefix of {} does not accommodate a host numbered {num}",
            net.prefix
        ))
    })?;
    Ok(string(format_addr(net.first() | offset, net.bits)))
}

pub(super) fn cidrnetmask(args: Args, _: Ctx) -> Result<Value, Fail> {
    let text = arg_str(args, 0)?;
    let net = parse_cidr(&text).map_err(Fail::Msg)?;
    if net.bits != 32 {
        return Err(Fail::Msg(format!(
            "IPv6 addresses cannot have a netmask: {text}"
        )));
    }
    Ok(string(format_addr(net.mask(net.prefix), 32)))
}

pub(super) fn cidrsubnet(args: Args, _: Ctx) -> Result<Value, Fail> {
    let net = arg_net(args, 0)?;
    let newbits = arg_int(args, 1)?;
    let num = arg_wide(args, 2)?;
    let new_prefix = i64::from(net.prefix) + newbits;
    if newbits < 0 || new_prefix > i64::from(net.bits) {
        return Err(Fail::Msg(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        )));
    }
    let new_prefix = u32::try_from(new_prefix).unwrap_or(net.bits);
    let newbits = new_prefix - net.prefix;
    if num < 0 || num.unsigned_abs() > ones(newbits) {
        return Err(Fail::Msg(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
        )));
    }
    let shift = net.bits - new_prefix;
    let addr = net.first() | num.unsigned_abs().checked_shl(shift).unwrap_or(0);
    Ok(string(format_net(addr, new_prefix, net.bits)))
}

pub(super) fn cidrsubnets(args: Args, _: Ctx) -> Result<Value, Fail> {
    let net = arg_net(args, 0)?;
    let mask_all = ones(net.bits);
    if args.len() < 2 {
        return Ok(Value::List(vec![]));
    }
    let first = u32::try_from(arg_int(args, 1)?.clamp(0, 128)).unwrap_or(0) + net.prefix;
    // Start from the block just before the network so the first allocation lands on its
    // start; like Terraform, a network starting at address zero wraps around here.
    let mut cur_addr = net.first().wrapping_sub(1) & mask_all & net.mask(first);
    let mut cur_prefix = first;
    let mut out = Vec::with_capacity(args.len() - 1);
    for i in 1..args.len() {
        let extra = arg_int(args, i)?;
        if extra < 1 {
            return Err(Fail::Arg(
                i,
                "must extend prefix by at least one bit".into(),
            ));
        }
        if extra > 32 {
            return Err(Fail::Arg(
                i,
                "may not extend prefix by more than 32 bits".into(),
            ));
        }
        let len = net.prefix + u32::try_from(extra).unwrap_or(32);
        if len > net.bits {
            return Err(Fail::Arg(
                i,
                format!(
                    "would extend prefix to {len} bits, which is too long for an {} address",
                    net.family()
                ),
            ));
        }
        let cur_net = Net {
            addr: cur_addr,
            prefix: cur_prefix,
            bits: net.bits,
        };
        let block = Net {
            addr: cur_net.last(),
            prefix: len,
            bits: net.bits,
        };
        let after = block.last().wrapping_add(1) & mask_all;
        let next = after & net.mask(len);
        if after == 0 || !net.contains(next) {
            return Err(Fail::Arg(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {len} bits after {}",
                    format_net(cur_addr, cur_prefix, net.bits)
                ),
            ));
        }
        cur_addr = next;
        cur_prefix = len;
        out.push((next, len));
    }
    Ok(Value::List(
        out.into_iter()
            .map(|(a, l)| string(format_net(a, l, net.bits)))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call_err, call_ok, n, s, slist};

    #[test]
    fn cidrhost_examples() {
        assert_eq!(
            call_ok("cidrhost", vec![s("10.12.112.0/20"), n(16.0)]),
            s("10.12.112.16")
        );
        assert_eq!(
            call_ok("cidrhost", vec![s("10.12.112.0/20"), n(268.0)]),
            s("10.12.113.12")
        );
        assert_eq!(
            call_ok(
                "cidrhost",
                vec![s("fd00:fd12:3456:7890:00a2::/72"), n(34.0)]
            ),
            s("fd00:fd12:3456:7890::22")
        );
        assert_eq!(
            call_ok("cidrhost", vec![s("10.0.0.0/24"), n(-1.0)]),
            s("10.0.0.255")
        );
        assert_eq!(
            call_err("cidrhost", vec![s("10.0.0.0/24"), n(256.0)]),
            "Call to function \"cidrhost\" failed: prefix of 24 does not accommodate a host numbered 256."
        );
    }

    #[test]
    fn cidrnetmask_examples() {
        assert_eq!(
            call_ok("cidrnetmask", vec![s("172.16.0.0/12")]),
            s("255.240.0.0")
        );
        assert!(call_err("cidrnetmask", vec![s("fd00::/8")]).contains("IPv6 addresses cannot"));
        assert_eq!(
            call_err("cidrnetmask", vec![s("nope")]),
            "Call to function \"cidrnetmask\" failed: invalid CIDR expression: invalid CIDR address: nope."
        );
    }

    #[test]
    fn cidrsubnet_examples() {
        let sub = |p: &str, b: f64, num: f64| call_ok("cidrsubnet", vec![s(p), n(b), n(num)]);
        assert_eq!(sub("172.16.0.0/12", 4.0, 2.0), s("172.18.0.0/16"));
        assert_eq!(sub("10.1.2.0/24", 4.0, 15.0), s("10.1.2.240/28"));
        assert_eq!(
            sub("fd00:fd12:3456:7890::/56", 16.0, 162.0),
            s("fd00:fd12:3456:7800:a200::/72")
        );
        assert_eq!(sub("010.1.2.3/24", 0.0, 0.0), s("10.1.2.0/24"));
        assert!(
            call_err("cidrsubnet", vec![s("10.0.0.0/24"), n(4.0), n(16.0)])
                .contains("prefix extension of 4 does not accommodate a subnet numbered 16")
        );
        assert!(
            call_err("cidrsubnet", vec![s("10.0.0.0/24"), n(9.0), n(0.0)])
                .contains("insufficient address space to extend prefix of 24 by 9")
        );
    }

    #[test]
    fn cidrsubnets_examples() {
        assert_eq!(
            call_ok(
                "cidrsubnets",
                vec![s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)]
            ),
            slist(&[
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ])
        );
        assert_eq!(
            call_ok(
                "cidrsubnets",
                vec![
                    s("fd00:fd12:3456:7890::/56"),
                    n(16.0),
                    n(16.0),
                    n(16.0),
                    n(32.0)
                ]
            ),
            slist(&[
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88"
            ])
        );
        assert_eq!(
            call_ok("cidrsubnets", vec![s("10.1.0.0/20"), n(4.0), n(4.0)]),
            slist(&["10.1.0.0/24", "10.1.1.0/24"])
        );
        assert!(call_err(
            "cidrsubnets",
            vec![s("10.0.0.0/24"), n(1.0), n(1.0), n(1.0)]
        )
        .contains("not enough remaining address space"));
        assert!(
            call_err("cidrsubnets", vec![s("10.0.0.0/24"), n(0.0)]).contains("at least one bit")
        );
        assert!(call_err("cidrsubnets", vec![s("10.0.0.0/24"), n(9.0)])
            .contains("too long for an IPv4 address"));
    }
}
