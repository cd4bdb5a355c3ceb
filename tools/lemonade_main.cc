#include <iostream>
#include "absl/strings/str_cat.h"
#include "absl/status/status.h"
int main() { std::cout << absl::StrCat("lemonade ", absl::OkStatus().ToString()) << "\n"; }
