resource "a" "b" {
  x = "${
    var.a
  }"
  y = "${ var.cond ? 1 : 2 }"
  z = "${var.x}${var.y}"
  w = "${lower("${var.x}")}"
  v = "${ (a
  + b) }"
}
variable "t" {
  type = "list"
}
variable "u" {
  type = "map"
}
variable "s" {
  type = set
}
variable "o" {
  type = object({
    a = string
    bb = optional(number, 1)
  })
}
