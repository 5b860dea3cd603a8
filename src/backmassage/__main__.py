from backmassage.cli import main

main()
