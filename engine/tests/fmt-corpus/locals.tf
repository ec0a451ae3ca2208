locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)

  common_tags = merge(var.tags, {
    Project     = var.name
    ManagedBy   = "terraform"
    Environment = terraform.workspace
  })

  # Every (service, port) pair, flattened so it can drive for_each.
  service_ports = flatten([
    for name, svc in var.services : [
      for port in svc.ports : {
        key     = "${name}-${port}"
        service = name
        port    = port
      }
    ]
  ])

  service_ports_by_key = { for sp in local.service_ports : sp.key => sp }
  names_upper          = [for n in keys(var.services) : upper(n) if n != ""]
  grouped              = { for name, svc in var.services : svc.image => name... }
  subnet_ids           = aws_subnet.private[*].id
  first_or_null        = length(local.subnet_ids) > 0 ? local.subnet_ids[0] : null
  is_prod              = terraform.workspace == "prod" && !var.single_nat_gateway
  half                 = floor(length(local.azs) / 2) - 1
  negative             = -1
  ports_csv            = join(",", [for p in local.service_ports : tostring(p.port)])

  settings = {
    log_level = local.is_prod ? "warn" : "debug"
    replicas  = local.is_prod ? 3 : 1
    features = {
      tracing = true
      metrics = try(var.services["api"].environment["METRICS"], "off")
    }
  }
}
