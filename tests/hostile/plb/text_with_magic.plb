PLEDGEBC but then just text
