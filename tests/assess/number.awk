# number.awk: n / d written as pledge writes a number (num_format): exactly
# when it is a decimal of at most 18 places, otherwise the nearest double
# with 15 significant digits. Shared by make_golden.sh and gap_stp2016.sh.
function gcd(a, b,   t) { while (b) { t = a % b; a = b; b = t } return a }
# n / d (d > 0) as pledge writes a number
function number(n, d,   g, t, twos, fives, places, s, k, sign) {
    sign = n < 0 ? "-" : ""; if (n < 0) n = -n
    g = gcd(n, d); n /= g; d /= g
    if (n == 0) return "0"
    for (t = d; t % 2 == 0; t /= 2) twos++
    for (; t % 5 == 0; t /= 5) fives++
    places = twos > fives ? twos : fives
    if (t != 1 || places > 18) return sprintf("%.15g", (sign == "-" ? -n : n) / d)
    s = sign int(n / d) ""
    n = n % d
    if (places > 0) s = s "."
    for (k = 0; k < places; k++) { n *= 10; s = s int(n / d); n %= d }
    return s
}
