a   = 1 # one
bbb = 2 # two

ccc = 3 /* x */ # three
d {
  e  = 1 # c
  ff = 2 # cc
}
/* a
   multi-line */ x = 1
y                       = 2 /* mid */ + 3
z = [
  1,  # one
  22, # two
]
w = {
  a = 1, b = 2
}
v = [1,
  2,
3]
u = f(
  a,
  b
)
