resource "a" "b" {
  x = var.a
  y = var.cond ? 1 : 2
  z = "${var.x}${var.y}"
  w = lower("${var.x}")
  v = (a
  + b)
}
variable "t" {
  type = list(string)
}
variable "u" {
  type = map(string)
}
variable "s" {
  type = set(any)
}
variable "o" {
  type = object({
    a  = string
    bb = optional(number, 1)
  })
}
