/*
 * Comments of every kind, in every position terrane must keep them.
 */

# A hash comment before a block.
// A slash comment before a block.
resource "null_resource" "commented" { # after the opening brace
  # Before an attribute.
  triggers = {
    a                      = "1" # after a value
    bbbb                   = "2" // slash after a value
    /* before an item */ c = "3"
  }

  # Alignment continues across attributes with trailing comments:
  short                  = 1   # one
  much_longer_name       = 22  # two
  mid                    = 333 # three
  provisioner_like_thing = "abc" /* block comment at end */

  list = [
    "a", # first
    "b", # second
    # a comment on its own line inside a list
    "c",
  ]
} # after the closing brace

// Trailing comment at the end of the file.
